package org.tornadobatch.device.tornadovm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The register cap joins the user's PTX JIT options instead of replacing them: until 2026-12-07 a cap replaced
 * {@code -Dtornado.ptx.compiler.flags} with {@code CU_JIT_OPTIMIZATION_LEVEL 4 CU_JIT_MAX_REGISTERS N}, so a user's
 * own options (another optimisation level, a target) were dropped from every capped kernel without a word.
 * (Tagged tornadovm: it loads the runtime's classes, which need TornadoVM's on the path.)
 */
@Tag("tornadovm")
class PtxFlagsTest {
    @Test
    void theCapIsAddedToTheUsersOptionsAndAUsersOwnCapWins() {
        assertEquals("CU_JIT_OPTIMIZATION_LEVEL 4 CU_JIT_MAX_REGISTERS 64", TvmPlans.ptxFlags(null, 64), "TornadoVM's default options");
        assertEquals("CU_JIT_OPTIMIZATION_LEVEL 4 CU_JIT_MAX_REGISTERS 64", TvmPlans.ptxFlags("  ", 64));
        assertEquals("CU_JIT_OPTIMIZATION_LEVEL 2 CU_JIT_TARGET 90 CU_JIT_MAX_REGISTERS 64",
                TvmPlans.ptxFlags("CU_JIT_OPTIMIZATION_LEVEL 2 CU_JIT_TARGET 90", 64), "the user's options kept");
        assertNull(TvmPlans.ptxFlags("CU_JIT_MAX_REGISTERS 128", 64), "the user's own cap wins");
        assertNull(TvmPlans.ptxFlags("CU_JIT_OPTIMIZATION_LEVEL 2", 0), "no cap: TornadoVM's options as they are");
    }
}
