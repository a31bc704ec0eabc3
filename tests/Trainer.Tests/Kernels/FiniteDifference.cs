namespace Trainer.Tests.Kernels;

/// <summary>Central-difference check of an analytic gradient, perturbing an input array in place.</summary>
internal static class FiniteDifference
{
    public static void Check(float[] input, Func<double> objective, float[] analytic, string what, float eps = 1e-3f)
    {
        Assert.Equal(input.Length, analytic.Length);
        for (int i = 0; i < input.Length; i++)
        {
            float original = input[i];
            input[i] = original + eps;
            double plus = objective();
            input[i] = original - eps;
            double minus = objective();
            input[i] = original;
            double numeric = (plus - minus) / (2 * eps);
            double tolerance = 2e-3 + 1e-2 * Math.Abs(numeric);
            if (!(Math.Abs(numeric - analytic[i]) <= tolerance))
                Assert.Fail($"d/d{what}[{i}]: finite difference {numeric}, backward pass {analytic[i]}.");
        }
    }

    /// <summary>Σ weights[i] · values[i] in double: a scalar whose gradient with respect to values is weights.</summary>
    public static double Dot(float[] weights, float[] values)
    {
        double sum = 0;
        for (int i = 0; i < weights.Length; i++) sum += (double)weights[i] * values[i];
        return sum;
    }
}
