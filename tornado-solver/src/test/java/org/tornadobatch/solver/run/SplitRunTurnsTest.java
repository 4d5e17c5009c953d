package org.tornadobatch.solver.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The parts of a split solve take their first gathers in part order, and a part that fails does not hold up the rest. */
class SplitRunTurnsTest {

    @Test
    void partsGatherInTheirOrderWhateverOrderTheyStartIn() throws Exception {
        SplitRun.Turns turns = new SplitRun.Turns();
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        ExecutorService threads = Executors.newFixedThreadPool(6);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int k = 5; k >= 0; k--) { // the last part first
                ChunkPipeline.Gate gate = turns.gate(k);
                int part = k;
                futures.add(threads.submit(() -> {
                    gate.enter();
                    try {
                        order.add(part);
                    } finally {
                        gate.leave();
                    }
                }));
                Thread.sleep(5);
            }
            for (Future<?> f : futures) {
                f.get(10, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        assertEquals(List.of(0, 1, 2, 3, 4, 5), order);
    }

    @Test
    void aPartThatPassesWithoutGatheringLetsTheNextGo() throws Exception {
        SplitRun.Turns turns = new SplitRun.Turns();
        ExecutorService threads = Executors.newSingleThreadExecutor();
        try {
            Future<?> second = threads.submit(() -> {
                ChunkPipeline.Gate gate = turns.gate(1);
                gate.enter();
                gate.leave();
            });
            turns.pass(0); // part 0 failed before its gather: SplitRun passes its turn
            second.get(10, TimeUnit.SECONDS);
        } finally {
            threads.shutdownNow();
        }
    }

    /** A part without runs (a device whose share rounds to none) keeps the order: the part after it waits for the one before. */
    @Test
    void aSkippedPartKeepsTheOrderOfTheOthers() throws Exception {
        SplitRun.Turns turns = new SplitRun.Turns();
        ExecutorService threads = Executors.newSingleThreadExecutor();
        try {
            turns.skip(1);
            Future<?> third = threads.submit(() -> turns.gate(2).enter());
            Thread.sleep(200);
            org.junit.jupiter.api.Assertions.assertFalse(third.isDone(), "part 2 went before part 0 had its turn");
            turns.pass(0);
            third.get(10, TimeUnit.SECONDS);
        } finally {
            threads.shutdownNow();
        }
    }
}
