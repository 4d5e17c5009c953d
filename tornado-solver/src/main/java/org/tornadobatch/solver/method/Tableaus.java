package org.tornadobatch.solver.method;

/** Coefficients of the built-in methods, with their sources. Exposed through {@link Algorithm#tableau()}. */
final class Tableaus {
    private Tableaus() {
    }

    private static double[][] a(double[]... rows) {
        return rows;
    }

    private static double[] r(double... v) {
        return v;
    }

    /** Forward Euler. */
    static final ButcherTableau EULER = new ButcherTableau("euler", r(0), a(r()), r(1), null, 1, 0);

    /** Heun (1900). */
    static final ButcherTableau HEUN_21 = new ButcherTableau("heun-21", r(0, 1), a(r(), r(1)), r(0.5, 0.5), null, 2, 0);

    /** Ralston, Math. Comp. 16 (1962). */
    static final ButcherTableau RALSTON_33 = new ButcherTableau("ralston-33", r(0, 0.5, 0.75),
            a(r(), r(0.5), r(0, 0.75)), r(2.0 / 9, 1.0 / 3, 4.0 / 9), null, 3, 0);

    /** Bogacki and Shampine, Appl. Math. Lett. 2 (1989): 3(2), FSAL. */
    static final ButcherTableau BOGACKI_SHAMPINE_32 = new ButcherTableau("bogacki-shampine-32", r(0, 0.5, 0.75, 1),
            a(r(), r(0.5), r(0, 0.75), r(2.0 / 9, 1.0 / 3, 4.0 / 9)),
            r(2.0 / 9, 1.0 / 3, 4.0 / 9, 0), r(7.0 / 24, 1.0 / 4, 1.0 / 3, 1.0 / 8), 3, 2);

    /** Kutta (1901). */
    static final ButcherTableau CLASSICAL_RK4 = new ButcherTableau("classical-rk4", r(0, 0.5, 0.5, 1),
            a(r(), r(0.5), r(0, 0.5), r(0, 0, 1)), r(1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6), null, 4, 0);

    /** Cash and Karp, ACM TOMS 16 (1990): 5(4). */
    static final ButcherTableau CASH_KARP_54 = new ButcherTableau("cash-karp-54", r(0, 0.2, 0.3, 0.6, 1, 7.0 / 8),
            a(r(), r(0.2), r(3.0 / 40, 9.0 / 40), r(0.3, -0.9, 1.2), r(-11.0 / 54, 2.5, -70.0 / 27, 35.0 / 27),
                    r(1631.0 / 55296, 175.0 / 512, 575.0 / 13824, 44275.0 / 110592, 253.0 / 4096)),
            r(37.0 / 378, 0, 250.0 / 621, 125.0 / 594, 0, 512.0 / 1771),
            r(2825.0 / 27648, 0, 18575.0 / 48384, 13525.0 / 55296, 277.0 / 14336, 0.25), 5, 4);

    /** Fehlberg, NASA TR R-315 (1969): the fifth-order solution propagated, the fourth-order one embedded. */
    static final ButcherTableau FEHLBERG_45 = new ButcherTableau("fehlberg-45", r(0, 0.25, 3.0 / 8, 12.0 / 13, 1, 0.5),
            a(r(), r(0.25), r(3.0 / 32, 9.0 / 32), r(1932.0 / 2197, -7200.0 / 2197, 7296.0 / 2197),
                    r(439.0 / 216, -8, 3680.0 / 513, -845.0 / 4104), r(-8.0 / 27, 2, -3544.0 / 2565, 1859.0 / 4104, -11.0 / 40)),
            r(16.0 / 135, 0, 6656.0 / 12825, 28561.0 / 56430, -9.0 / 50, 2.0 / 55),
            r(25.0 / 216, 0, 1408.0 / 2565, 2197.0 / 4104, -0.2, 0), 5, 4);

    /** Dormand and Prince, J. Comput. Appl. Math. 6 (1980): 5(4), FSAL. */
    static final ButcherTableau DORMAND_PRINCE_54 = new ButcherTableau("dormand-prince-54",
            r(0, 0.2, 0.3, 0.8, 8.0 / 9, 1, 1),
            a(r(), r(0.2), r(3.0 / 40, 9.0 / 40), r(44.0 / 45, -56.0 / 15, 32.0 / 9),
                    r(19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729),
                    r(9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656),
                    r(35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84)),
            r(35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84, 0),
            r(5179.0 / 57600, 0, 7571.0 / 16695, 393.0 / 640, -92097.0 / 339200, 187.0 / 2100, 1.0 / 40), 5, 4);

    /** Tsitouras, Comput. Math. Appl. 62 (2011): 5(4), FSAL. */
    static final ButcherTableau TSIT5 = new ButcherTableau("tsit5", r(0, 0.161, 0.327, 0.9, 0.9800255409045097, 1, 1),
            a(r(), r(0.161), r(-0.008480655492356989, 0.335480655492357),
                    r(2.8971530571054935, -6.359448489975075, 4.3622954328695815),
                    r(5.325864828439257, -11.748883564062828, 7.4955393428898365, -0.09249506636175525),
                    r(5.86145544294642, -12.92096931784711, 8.159367898576159, -0.071584973281401, -0.028269050394068383),
                    r(0.09646076681806523, 0.01, 0.4798896504144996, 1.379008574103742, -3.290069515436081, 2.324710524099774)),
            r(0.09646076681806523, 0.01, 0.4798896504144996, 1.379008574103742, -3.290069515436081, 2.324710524099774, 0),
            // bHat = b - (Tsitouras' error weights)
            r(0.09646076681806523 - 0.001780011052226, 0.01 - 0.000816434459657, 0.4798896504144996 + 0.007880878010262,
                    1.379008574103742 - 0.144711007173263, -3.290069515436081 + 0.582357165452555,
                    2.324710524099774 - 0.458082105929187, 1.0 / 66), 5, 4);

    /** Verner's "efficient" 7(6) pair (RKV76.IIa), coefficients rounded from his rational values. */
    static final ButcherTableau VERN7 = new ButcherTableau("vern7",
            r(0.0, 0.005, 0.10888888888888888, 0.16333333333333333, 0.4555, 0.6095094489978381, 0.884, 0.925, 1.0, 1.0),
            a(r(), r(0.005), r(-1.07679012345679, 1.185679012345679), r(0.04083333333333333, 0.0, 0.1225),
                    r(0.6389139236255726, 0.0, -2.455672638223657, 2.272258714598084),
                    r(-2.6615773750187572, 0.0, 10.804513886456137, -8.3539146573962, 0.820487594956657),
                    r(6.067741434696771, 0.0, -24.711273635911084, 20.427517930788895, -1.9061579788166472, 1.006172249242068),
                    r(12.054670076253203, 0.0, -49.75478495046899, 41.142888638604674, -4.461760149974004, 2.042334822239175,
                            -0.09834843665406108),
                    r(10.138146522881808, 0.0, -42.6411360317175, 35.76384003992257, -4.3480228403929075, 2.0098622683770357,
                            0.3487490460338272, -0.27143900510483127),
                    r(-45.030072034298676, 0.0, 187.3272437654589, -154.02882369350186, 18.56465306347536, -7.141809679295079,
                            1.3088085781613785, 0, 0)),
            r(0.04715561848627222, 0.0, 0.0, 0.25750564298434153, 0.2621665397741262, 0.15216092656738558, 0.49399691700324844,
                    -0.29430311714032503, 0.0813174723249511, 0.0),
            r(0.044608606606341174, 0.0, 0.0, 0.26716403785713727, 0.2201018300177293, 0.2188431703143157, 0.22898717054112028,
                    0.0, 0.0, 0.020295184663356284), 7, 6);

    private static final double[] DP853_B = r(0.05429373411656876, 0.0, 0.0, 0.0, 0.0, 4.450312892752409, 1.8915178993145004,
            -5.801203960010585, 0.3111643669578199, -0.15216094966251608, 0.20136540080403035, 0.04471061572777259);
    private static final double[] DP853_ERROR = r(0.1312004499419488073250102996e-01, 0, 0, 0, 0, -0.1225156446376204440720569753e+01,
            -0.4957589496572501915214079952, 0.1664377182454986536961530415e+01, -0.3503288487499736816886487290,
            0.3341791187130174790297318841, 0.8192320648511571246570742613e-01, -0.2235530786388629525884427845e-01);

    private static double[] minus(double[] x, double[] y) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] - y[i];
        }
        return out;
    }

    /**
     * Dormand-Prince 8(5,3) as in Hairer, Norsett and Wanner, Solving ODEs I (DOP853): the eighth-order solution
     * with the fifth-order error estimate.
     */
    static final ButcherTableau DORMAND_PRINCE_853 = new ButcherTableau("dormand-prince-853",
            r(0.0, 0.05260015195876773, 0.0789002279381516, 0.1183503419072274, 0.2816496580927726, 0.3333333333333333, 0.25,
                    0.3076923076923077, 0.6512820512820513, 0.6, 0.8571428571428571, 1.0),
            a(r(), r(0.05260015195876773), r(0.0197250569845379, 0.0591751709536137),
                    r(0.02958758547680685, 0.0, 0.08876275643042055),
                    r(0.2413651341592667, 0.0, -0.8845494793282861, 0.924834003261792),
                    r(0.037037037037037035, 0.0, 0.0, 0.17082860872947387, 0.12546768756682242),
                    r(0.037109375, 0.0, 0.0, 0.17025221101954404, 0.06021653898045596, -0.017578125),
                    r(0.03709200011850479, 0.0, 0.0, 0.17038392571223999, 0.10726203044637328, -0.015319437748624402,
                            0.008273789163814023),
                    r(0.6241109587160757, 0.0, 0.0, -3.360892629446941, -0.868219346841726, 27.592099699446706,
                            20.154067550477893, -43.48988418106996),
                    r(0.47766253643826435, 0.0, 0.0, -2.4881146199716676, -0.590290826836843, 21.230051448181194,
                            15.279233632882424, -33.28821096898486, -0.020331201708508627),
                    r(-0.9371424300859873, 0.0, 0.0, 5.1863724288440636, 1.0914373489967296, -8.149787010746926,
                            -18.52006565999696, 22.739487099350504, 2.4936055526796526, -3.0467644718982197),
                    r(2.2733101475165383, 0.0, 0.0, -10.53449546673725, -2.0008720582248626, -17.958931863118799,
                            27.94888452941996, -2.8589982771350237, -8.87285693353063, 12.360567175794303, 0.6433927460157635)),
            DP853_B,
            // bHat = b - Hairer's fifth-order error weights (dop853.f, er1..er12)
            minus(DP853_B, DP853_ERROR), 8, 5);

    /**
     * ROS3P, Lang and Verwer, BIT 41 (2001): a Rosenbrock method of order 3 (embedded 2), A-stable, with 3 stages and
     * 2 evaluations of f per step; coefficients in the transformed form (Hairer and Wanner II, IV.7).
     */
    static final ButcherTableau ROS3P = new ButcherTableau("ros3p", r(0, 1, 1),
            a(r(), r(1.267949192431123), r(1.267949192431123, 0)),
            r(2, 0.5773502691896258, 0.4226497308103742), r(2.113248654051871, 1, 0.4226497308103742), 3, 2,
            new Rosenbrock(0.7886751345948129, a(r(), r(-1.607695154586736), r(-3.464101615137755, -1.732050807568877)),
                    r(0.7886751345948129, -0.2113248654051871, -1.077350269189626)));

    private static final double SQRT2 = Math.sqrt(2);
    private static final double R23_INV_D = 2 + SQRT2;

    /**
     * Rosenbrock23 (Shampine and Reichelt's ode23s pair as OrdinaryDiffEq.jl's {@code Rosenbrock23} has it): a
     * Rosenbrock-W method of order 2 with an error estimate of order 3, L-stable, 3 stages, {@code gamma = d =
     * 1 / (2 + sqrt 2)}; the third stage evaluates f at the new state. Coefficients in the transformed form (from
     * SciML's {@code c32 = 6 + sqrt 2} and {@code d}, as CuBIE tabulates them): the solution is the second stage's
     * base state, {@code y + (K_1 + K_2) / d}.
     */
    static final ButcherTableau ROSENBROCK23 = new ButcherTableau("rosenbrock23", r(0, 0.5, 1),
            a(r(), r(0.5 * R23_INV_D), r(R23_INV_D, R23_INV_D)),
            r(R23_INV_D, R23_INV_D, 0), r(5 * SQRT2 / 6 + 5.0 / 3, 1.0 / 3, -1.0 / 3 - SQRT2 / 6), 2, 2,
            new Rosenbrock(1 / R23_INV_D, a(r(), r(-R23_INV_D), r(-2 * R23_INV_D, -(14 + 8 * SQRT2))),
                    r(1 / R23_INV_D, 0, -1 / R23_INV_D)));

    /**
     * Rodas3P, Steinebach (2020; OrdinaryDiffEq.jl's {@code Rodas3P}, CuBIE's {@code rodas3p}): a stiffly accurate
     * Rosenbrock method of order 3 (embedded 2), 5 stages, {@code gamma = 1/3}, with little order reduction on
     * semi-discretised PDEs; the error estimate is the last stage.
     */
    static final ButcherTableau RODAS3P = new ButcherTableau("rodas3p", r(0, 4.0 / 9, 0, 1, 1),
            a(r(), r(4.0 / 3), r(0, 0), r(2.90625, 3.375, 0.40625), r(2.90625, 3.375, 0.40625, 0)),
            r(2.90625, 3.375, 0.40625, 0, 1), r(2.90625, 3.375, 0.40625, 1, 0), 3, 2,
            new Rosenbrock(1.0 / 3, a(r(), r(-4), r(8.25, 6.75), r(1.21875, -5.0625, -1.96875), r(4.03125, -15.1875, -4.03125, 6)),
                    r(1.0 / 3, -1.0 / 9, 1, 0, 0)));

    /**
     * RODAS4, Hairer and Wanner, Solving ODEs II (1996), IV.7 (the code RODAS): a stiffly accurate Rosenbrock method of
     * order 4 (embedded 3), L-stable, 6 stages; the error estimate is the last stage.
     */
    static final ButcherTableau RODAS4 = new ButcherTableau("rodas4", r(0, 0.386, 0.21, 0.63, 1, 1),
            a(r(), r(1.544), r(0.9466785280815826, 0.2557011698983284), r(3.314825187068521, 2.896124015972201, 0.9986419139977817),
                    r(1.221224509226641, 6.019134481288629, 12.53708332932087, -0.687886036105895),
                    r(1.221224509226641, 6.019134481288629, 12.53708332932087, -0.687886036105895, 1)),
            r(1.221224509226641, 6.019134481288629, 12.53708332932087, -0.687886036105895, 1, 1),
            r(1.221224509226641, 6.019134481288629, 12.53708332932087, -0.687886036105895, 1, 0), 4, 3,
            new Rosenbrock(0.25, a(r(), r(-5.6688), r(-2.430093356833875, -0.2063599157091915),
                    r(-0.1073529058151375, -9.594562251023355, -20.47028614809616),
                    r(7.496443313967647, -10.24680431464352, -33.99990352819905, 11.7089089320616),
                    r(8.083246795921522, -7.981132988064893, -31.52159432874371, 16.31930543123136, -6.058818238834054)),
                    r(0.25, -0.1043, 0.1035, -0.0362, 0, 0)));

    /**
     * Rodas5P, Steinebach, "Construction of Rosenbrock-Wanner method Rodas5P and numerical benchmarks within the Julia
     * Differential Equations package", BIT 63 (2023): a stiffly accurate Rosenbrock method of order 5 (embedded 4),
     * 8 stages, the successor of Di Marzo's Rodas5 with less order reduction; the error estimate is the last stage.
     * Coefficients as published (the last three stages evaluate at t + h; their weights are the sixth row's plus ones).
     */
    static final ButcherTableau RODAS5P = new ButcherTableau("rodas5p",
            r(0, 0.6358126895828704, 0.4095798393397535, 0.9769306725060716, 0.4288403609558664, 1, 1, 1),
            a(r(), r(3.0), r(2.849394379747939, 0.45842242204463923), r(-6.954028509809101, 2.489845061869568, -10.358996098473584),
                    r(2.8029986275628964, 0.5072464736228206, -0.3988312541770524, -0.04721187230404641),
                    r(-7.502846399306121, 2.561846144803919, -11.627539656261098, -0.18268767659942256, 0.030198172008377946),
                    r(-7.502846399306121, 2.561846144803919, -11.627539656261098, -0.18268767659942256, 0.030198172008377946, 1),
                    r(-7.502846399306121, 2.561846144803919, -11.627539656261098, -0.18268767659942256, 0.030198172008377946, 1, 1)),
            r(-7.502846399306121, 2.561846144803919, -11.627539656261098, -0.18268767659942256, 0.030198172008377946, 1, 1, 1),
            r(-7.502846399306121, 2.561846144803919, -11.627539656261098, -0.18268767659942256, 0.030198172008377946, 1, 1, 0), 5, 4,
            new Rosenbrock(0.21193756319429014, a(r(), r(-14.155112264123755), r(-17.97296035885952, -2.859693295451294),
                    r(147.12150275711716, -1.41221402718213, 71.68940251302358),
                    r(165.43517024871676, -0.4592823456491126, 42.90938336958603, -5.961986721573306),
                    r(24.854864614690072, -3.0009227002832186, 47.4931110020768, 5.5814197821558125, -0.6610691825249471),
                    r(30.91273214028599, -3.1208243349937974, 77.79954646070892, 34.28646028294783, -19.097331116725623,
                            -28.087943162872662),
                    r(37.80277123390563, -3.2571969029072276, 112.26918849496327, 66.9347231244047, -40.06618937091002,
                            -54.66780262877968, -9.48861652309627)),
                    r(0.21193756319429014, -0.42387512638858027, -0.3384627126235924, 1.8046452872882734, 2.325825639765069, 0, 0, 0)));

    // ---------------------------------------------------------------------------------- singly diagonally implicit (SDIRK)
    // The diagonal is Sdirk.gamma; a holds the part below it. Coefficients checked against the order conditions (SdirkTest).

    /** Backward (implicit) Euler: order 1, L-stable, fixed steps; Newton starts from the explicit Euler step. */
    static final ButcherTableau BACKWARD_EULER = new ButcherTableau("backward-euler", r(1), a(r()), r(1), null, 1, 0, new Sdirk(1, false));

    /** The implicit midpoint rule: order 2, A-stable and symplectic, fixed steps. */
    static final ButcherTableau IMPLICIT_MIDPOINT = new ButcherTableau("implicit-midpoint", r(0.5), a(r()), r(1), null, 2, 0,
            new Sdirk(0.5, false));

    /**
     * The trapezoidal rule (Crank-Nicolson) as an ESDIRK: order 2, A-stable; the embedded solution is the explicit Euler
     * step, so it controls its step with an order-1 estimate.
     */
    static final ButcherTableau TRAPEZOIDAL = new ButcherTableau("crank-nicolson", r(0, 1), a(r(), r(0.5)), r(0.5, 0.5), r(1, 0), 2, 1,
            new Sdirk(0.5, true));

    /** Alexander's two-stage SDIRK, SIAM J. Numer. Anal. 14 (1977): order 2, L-stable, stiffly accurate, gamma = 1 - 1/sqrt(2). */
    static final ButcherTableau SDIRK_2_2 = new ButcherTableau("sdirk-2-2", r(0.29289321881345254, 1), a(r(), r(0.7071067811865475)),
            r(0.7071067811865475, 0.29289321881345254), null, 2, 0, new Sdirk(0.29289321881345254, false));

    /**
     * Alexander's three-stage SDIRK (1977; Hairer and Wanner II, IV.6, Table 6.3): order 3, L-stable, stiffly accurate;
     * gamma = 0.43586652150845967, the root of x^3 - 3x^2 + 3x/2 - 1/6 in (1/6, 1/2).
     */
    static final ButcherTableau L_STABLE_DIRK_3 = new ButcherTableau("l-stable-dirk-3", r(0.43586652150845967, 0.7179332607542298, 1),
            a(r(), r(0.28206673924577014), r(1.2084966491760119, -0.6443631706844715)),
            r(1.2084966491760119, -0.6443631706844715, 0.43586652150845967), null, 3, 0, new Sdirk(0.43586652150845967, false));

    /**
     * Hairer and Wanner's SDIRK4 (Solving ODEs II, IV.6, Table 6.5; the code SDIRK4): five stages, order 4 with an
     * embedded order 3, L-stable, stiffly accurate, gamma = 1/4.
     */
    static final ButcherTableau L_STABLE_SDIRK_4 = new ButcherTableau("l-stable-sdirk-4", r(0.25, 0.75, 11.0 / 20, 0.5, 1),
            a(r(), r(0.5), r(17.0 / 50, -1.0 / 25), r(371.0 / 1360, -137.0 / 2720, 15.0 / 544),
                    r(25.0 / 24, -49.0 / 48, 125.0 / 16, -85.0 / 12)),
            r(25.0 / 24, -49.0 / 48, 125.0 / 16, -85.0 / 12, 0.25), r(59.0 / 48, -17.0 / 96, 225.0 / 32, -85.0 / 12, 0), 4, 3,
            new Sdirk(0.25, false));

    /**
     * Kvaerno's ESDIRK 3(2), BIT 44 (2004): four stages (the first explicit), order 3, L-stable, stiffly accurate; the
     * embedded order-2 solution is the third stage. gamma = 0.4358665215 as published.
     */
    static final ButcherTableau KVAERNO3 = new ButcherTableau("kvaerno3", r(0, 0.871733043, 1, 1),
            a(r(), r(0.4358665215), r(0.490563388419108, 0.073570090080892), r(0.308809969973036, 1.490563388254106, -1.235239879727145)),
            r(0.308809969973036, 1.490563388254106, -1.235239879727145, 0.4358665215),
            r(0.490563388419108, 0.073570090080892, 0.4358665215, 0), 3, 2, new Sdirk(0.4358665215, true));

    /**
     * Kvaerno's ESDIRK 5(4), BIT 44 (2004): seven stages (the first explicit), order 5, L-stable, stiffly accurate; the
     * embedded order-4 solution is the sixth stage. gamma = 0.26 as published; c the row sums.
     */
    static final ButcherTableau KVAERNO5 = kvaerno5();

    private static ButcherTableau kvaerno5() {
        double g = 0.26;
        double[][] a = a(r(), r(g), r(0.13, 0.84033320996790809), r(0.22371961478320505, 0.47675532319799699, -0.06470895363112615),
                r(0.16648564323248321, 0.10450018841591720, 0.03631482272098715, -0.13090704451073998),
                r(0.13855640231268224, 0, -0.04245337201752043, 0.02446657898003141, 0.61943039072480676),
                r(0.13659751177640291, 0, -0.05496908796538376, -0.04118626728321046, 0.62993304899016403, 0.06962479448202728));
        double[] c = new double[7];
        for (int i = 1; i < 7; i++) {
            c[i] = java.util.Arrays.stream(a[i]).sum() + g;
        }
        double[] b = java.util.Arrays.copyOf(a[6], 7);
        b[6] = g;
        double[] bHat = java.util.Arrays.copyOf(a[5], 7);
        bHat[5] = g;
        return new ButcherTableau("kvaerno5", c, a, b, bHat, 5, 4, new Sdirk(g, true));
    }

    // ----------------------------------------------------------------------------------------- fully implicit (FIRK)
    // Collocation methods: A and b from the nodes (Firk.collocation); checked against the order conditions (FirkTest).

    private static ButcherTableau collocation(String name, double[] c, int order, int embeddedOrder, Firk firk) {
        double[][] ab = Firk.collocation(c);
        return new ButcherTableau(name, c, java.util.Arrays.copyOf(ab, c.length), ab[c.length], order, embeddedOrder, firk);
    }

    private static final double SQRT6 = Math.sqrt(6);

    /**
     * Radau IIA of order 5 (three stages; Hairer and Wanner, Solving ODEs II, IV.5): L-stable, stiffly accurate. Its
     * estimate is RADAU5's, of order 3 (so the controller's exponent is 1/4), with gamma0 the real eigenvalue's
     * inverse of A^-1, {@code (6 + 81^(1/3) - 9^(1/3)) / 30}, and weights {@code (-(13 + 7 sqrt 6), -13 + 7 sqrt 6, -1) / 3}.
     */
    static final ButcherTableau RADAU_IIA_5 = collocation("radau-iia-5", r((4 - SQRT6) / 10, (4 + SQRT6) / 10, 1), 5, 3,
            new Firk((6 + Math.cbrt(81) - Math.cbrt(9)) / 30, r(-(13 + 7 * SQRT6) / 3, (-13 + 7 * SQRT6) / 3, -1.0 / 3),
                    radauTransformation()));

    /**
     * RADAU5's transformation of Radau IIA's {@code A^-1} (Hairer and Wanner's code, subroutine RADCOR: its {@code T},
     * {@code TI}, {@code U1}, {@code ALPH} and {@code BETA}); {@code FirkTest} checks {@code T^-1 A^-1 T} against them.
     */
    private static Firk.Transformation radauTransformation() {
        double[][] t = {
            r(9.1232394870892942792e-02, -0.14125529502095420843, -3.0029194105147424492e-02),
            r(0.24171793270710701896, 0.20412935229379993199, 0.38294211275726193779),
            r(0.96604818261509293619, 1, 0)};
        double[][] tInv = {
            r(4.3255798900631553510, 0.33919925181580986954, 0.54177053993587487119),
            r(-4.1787185915519047273, -0.32768282076106238708, 0.47662355450055045196),
            r(-0.50287263494578687595, 2.5719269498556054292, -0.59603920482822492497)};
        double alpha = (12 - Math.cbrt(81) + Math.cbrt(9)) / 60;
        double beta = (Math.cbrt(81) + Math.cbrt(9)) * Math.sqrt(3) / 60;
        double norm = alpha * alpha + beta * beta;
        return new Firk.Transformation(t, tInv, 30 / (6 + Math.cbrt(81) - Math.cbrt(9)), alpha / norm, beta / norm);
    }

    /** Gauss-Legendre with two stages: order 4, A-stable, symplectic; fixed steps. */
    static final ButcherTableau GAUSS_LEGENDRE_2 = collocation("gauss-legendre-2", r(0.5 - Math.sqrt(3) / 6, 0.5 + Math.sqrt(3) / 6), 4, 0,
            Firk.NO_ESTIMATE);

    private static final double GL4_INNER = Math.sqrt(3.0 / 7 - 2.0 / 7 * Math.sqrt(6.0 / 5));
    private static final double GL4_OUTER = Math.sqrt(3.0 / 7 + 2.0 / 7 * Math.sqrt(6.0 / 5));

    /** Gauss-Legendre with four stages: order 8, A-stable, symplectic; fixed steps. */
    static final ButcherTableau GAUSS_LEGENDRE_4 = collocation("gauss-legendre-4",
            r((1 - GL4_OUTER) / 2, (1 - GL4_INNER) / 2, (1 + GL4_INNER) / 2, (1 + GL4_OUTER) / 2), 8, 0, Firk.NO_ESTIMATE);
}
