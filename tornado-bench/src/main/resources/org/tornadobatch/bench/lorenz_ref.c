/*
 * The C reference of the jvm backend's CPU benchmarks (LorenzRk4Bench), compiled at bench time with the machine's
 * gcc: gcc -O3 -march=native -fopenmp lorenz_ref.c -lm. Lorenz, rho = linspace(0, 21, N), sigma 10, beta 8/3,
 * from (1, 0, 0), float64, all threads.
 *   rk4 N REPS:      1000 classical RK4 steps of 0.001, runs in structure-of-arrays blocks of 64 with omp simd
 *                    across the runs of a block;
 *   dopri5 N REPS T: Dormand-Prince 5(4) over [0, T] at atol = rtol = 1e-8, Hairer's DOPRI5 PI control (the
 *                    project's defaults: safety 0.9, beta 0.04, gains in [0.2, 10]), Hairer's initial step, one run
 *                    at a time per thread (adaptive runs diverge; omp simd cannot keep them in step).
 * Prints one JSON line: best seconds over REPS, run-steps per second, z of the last run.
 */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLK 64

static void rk4(int n, const double *rho, double *zs) {
    const double h = 1e-3, sigma = 10.0, beta = 8.0 / 3.0;
#pragma omp parallel for schedule(static)
    for (int b0 = 0; b0 < n; b0 += BLK) {
        double x[BLK], y[BLK], z[BLK], p[BLK];
        int m = n - b0 < BLK ? n - b0 : BLK;
        for (int i = 0; i < BLK; i++) {
            x[i] = 1; y[i] = 0; z[i] = 0; p[i] = i < m ? rho[b0 + i] : 0;
        }
        for (int s = 0; s < 1000; s++) {
#pragma omp simd
            for (int i = 0; i < BLK; i++) {
                double X = x[i], Y = y[i], Z = z[i], P = p[i];
                double k1x = sigma * (Y - X), k1y = X * (P - Z) - Y, k1z = X * Y - beta * Z;
                double x2 = X + 0.5 * h * k1x, y2 = Y + 0.5 * h * k1y, z2 = Z + 0.5 * h * k1z;
                double k2x = sigma * (y2 - x2), k2y = x2 * (P - z2) - y2, k2z = x2 * y2 - beta * z2;
                double x3 = X + 0.5 * h * k2x, y3 = Y + 0.5 * h * k2y, z3 = Z + 0.5 * h * k2z;
                double k3x = sigma * (y3 - x3), k3y = x3 * (P - z3) - y3, k3z = x3 * y3 - beta * z3;
                double x4 = X + h * k3x, y4 = Y + h * k3y, z4 = Z + h * k3z;
                double k4x = sigma * (y4 - x4), k4y = x4 * (P - z4) - y4, k4z = x4 * y4 - beta * z4;
                x[i] = X + h / 6 * (k1x + 2 * k2x + 2 * k3x + k4x);
                y[i] = Y + h / 6 * (k1y + 2 * k2y + 2 * k3y + k4y);
                z[i] = Z + h / 6 * (k1z + 2 * k2z + 2 * k3z + k4z);
            }
        }
        for (int i = 0; i < m; i++) {
            zs[b0 + i] = z[i];
        }
    }
}

static inline void f(double rho, const double *u, double *d) {
    d[0] = 10.0 * (u[1] - u[0]);
    d[1] = u[0] * (rho - u[2]) - u[1];
    d[2] = u[0] * u[1] - 8.0 / 3.0 * u[2];
}

/* One run of DOPRI5 with Hairer's control; returns accepted steps, z in *zOut. */
static long dopri5(double rho, double tEnd, double *zOut) {
    static const double c2 = 1.0 / 5, c3 = 3.0 / 10, c4 = 4.0 / 5, c5 = 8.0 / 9;
    static const double a21 = 1.0 / 5, a31 = 3.0 / 40, a32 = 9.0 / 40, a41 = 44.0 / 45, a42 = -56.0 / 15, a43 = 32.0 / 9,
                        a51 = 19372.0 / 6561, a52 = -25360.0 / 2187, a53 = 64448.0 / 6561, a54 = -212.0 / 729,
                        a61 = 9017.0 / 3168, a62 = -355.0 / 33, a63 = 46732.0 / 5247, a64 = 49.0 / 176, a65 = -5103.0 / 18656,
                        a71 = 35.0 / 384, a73 = 500.0 / 1113, a74 = 125.0 / 192, a75 = -2187.0 / 6784, a76 = 11.0 / 84;
    static const double e1 = 71.0 / 57600, e3 = -71.0 / 16695, e4 = 71.0 / 1920, e5 = -17253.0 / 339200, e6 = 22.0 / 525, e7 = -1.0 / 40;
    const double tol = 1e-8, safety = 0.9, beta = 0.04, expo = 0.2 - beta * 0.75, facMin = 0.2, facMax = 10.0;
    double y[3] = {1, 0, 0}, k1[3], k2[3], k3[3], k4[3], k5[3], k6[3], k7[3], w[3], yn[3];
    double t = 0, facOld = 1e-4;
    long accepted = 0;
    f(rho, y, k1);
    /* Hairer's initial step */
    double dnf = 0, dny = 0;
    for (int i = 0; i < 3; i++) {
        double sk = tol + tol * fabs(y[i]);
        dnf += (k1[i] / sk) * (k1[i] / sk);
        dny += (y[i] / sk) * (y[i] / sk);
    }
    double h = (dnf <= 1e-10 || dny <= 1e-10) ? 1e-6 : sqrt(dny / dnf) * 0.01;
    for (int i = 0; i < 3; i++) w[i] = y[i] + h * k1[i];
    f(rho, w, k2);
    double der2 = 0;
    for (int i = 0; i < 3; i++) {
        double sk = tol + tol * fabs(y[i]);
        der2 += ((k2[i] - k1[i]) / sk) * ((k2[i] - k1[i]) / sk);
    }
    double der12 = fmax(sqrt(der2) / h, sqrt(dnf));
    double h1 = der12 <= 1e-15 ? fmax(1e-6, h * 1e-3) : pow(0.01 / der12, 0.2);
    h = fmin(100 * h, h1);
    int reject = 0;
    while (t < tEnd) {
        if (t + h > tEnd) h = tEnd - t;
        for (int i = 0; i < 3; i++) w[i] = y[i] + h * a21 * k1[i];
        f(rho, w, k2);
        for (int i = 0; i < 3; i++) w[i] = y[i] + h * (a31 * k1[i] + a32 * k2[i]);
        f(rho, w, k3);
        for (int i = 0; i < 3; i++) w[i] = y[i] + h * (a41 * k1[i] + a42 * k2[i] + a43 * k3[i]);
        f(rho, w, k4);
        for (int i = 0; i < 3; i++) w[i] = y[i] + h * (a51 * k1[i] + a52 * k2[i] + a53 * k3[i] + a54 * k4[i]);
        f(rho, w, k5);
        for (int i = 0; i < 3; i++) w[i] = y[i] + h * (a61 * k1[i] + a62 * k2[i] + a63 * k3[i] + a64 * k4[i] + a65 * k5[i]);
        f(rho, w, k6);
        for (int i = 0; i < 3; i++) yn[i] = y[i] + h * (a71 * k1[i] + a73 * k3[i] + a74 * k4[i] + a75 * k5[i] + a76 * k6[i]);
        f(rho, yn, k7);
        double err = 0;
        for (int i = 0; i < 3; i++) {
            double e = h * (e1 * k1[i] + e3 * k3[i] + e4 * k4[i] + e5 * k5[i] + e6 * k6[i] + e7 * k7[i]);
            double sk = tol + tol * fmax(fabs(y[i]), fabs(yn[i]));
            err += (e / sk) * (e / sk);
        }
        err = sqrt(err / 3);
        double fac11 = pow(err, expo);
        double fac = fac11 / pow(facOld, beta) / safety;
        fac = fmax(1 / facMax, fmin(1 / facMin, fac));
        double hNew = h / fac;
        if (err <= 1.0) {
            facOld = fmax(err, 1e-4);
            accepted++;
            memcpy(k1, k7, sizeof k1);
            memcpy(y, yn, sizeof y);
            t += h;
            if (reject) hNew = fmin(hNew, h);
            reject = 0;
        } else {
            hNew = h / fmin(1 / facMin, fac11 / safety);
            reject = 1;
        }
        h = hNew;
    }
    *zOut = y[2];
    return accepted;
}

static double now(void) { return omp_get_wtime(); }

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: lorenz_ref rk4|dopri5 N REPS [T]\n");
        return 2;
    }
    const char *what = argv[1];
    int n = atoi(argv[2]), reps = atoi(argv[3]);
    double tEnd = argc > 4 ? atof(argv[4]) : 1.0;
    double *rho = malloc(sizeof(double) * n), *zs = malloc(sizeof(double) * n);
    for (int i = 0; i < n; i++) rho[i] = 21.0 * i / (n - 1);
    double best = 1e300, steps = 0;
    for (int r = 0; r <= reps; r++) { /* the first is a warm-up */
        double t0 = now();
        long total = 0;
        if (strcmp(what, "rk4") == 0) {
            rk4(n, rho, zs);
            total = 1000L * n;
        } else {
#pragma omp parallel for schedule(dynamic, 64) reduction(+ : total)
            for (int i = 0; i < n; i++) total += dopri5(rho[i], tEnd, &zs[i]);
        }
        double s = now() - t0;
        if (r > 0 && s < best) best = s;
        steps = (double) total;
    }
    printf("{\"best_s\":%.6f,\"run_steps_per_s\":%.6g,\"mean_steps\":%.3f,\"z_last_run\":%.12g,\"threads\":%d}\n", best, steps / best,
           steps / n, zs[n - 1], omp_get_max_threads());
    return 0;
}
