using ScottPlot;

namespace Trainer.Training;

/// <summary>Loss and accuracy per epoch, averaged over folds, as a PNG.</summary>
public static class TrainingCurves
{
    public static void Save(RunReport report, string path)
    {
        var epochs = report.Folds.Min(f => f.Epochs.Count);
        double[] x = [.. Enumerable.Range(1, epochs).Select(e => (double)e)];
        double[] Mean(Func<EpochStats, double> pick) =>
            [.. Enumerable.Range(0, epochs).Select(e => report.Folds.Average(f => pick(f.Epochs[e])))];

        var plot = new Plot();
        plot.Title($"{report.Dataset}, CNN-{report.Variant} ({report.Folds.Count} fold(s))");
        plot.XLabel("epoch");
        plot.YLabel("accuracy %");
        Add(plot, x, Mean(e => 100 * e.TrainAccuracy), "train accuracy");
        Add(plot, x, Mean(e => 100 * e.DevAccuracy), "dev accuracy");
        Add(plot, x, Mean(e => 100 * e.TestAccuracy), "test accuracy");
        var loss = plot.Add.Scatter(x, Mean(e => e.TrainLoss));
        loss.LegendText = "train loss (right axis)";
        loss.Axes.YAxis = plot.Axes.Right;
        plot.Axes.Right.Label.Text = "cross-entropy";
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(1);
        // Outside the data area: the curves cross every corner of it.
        plot.ShowLegend(Edge.Bottom);
        plot.SavePng(path, 800, 500);
    }

    private static void Add(Plot plot, double[] x, double[] y, string label)
    {
        var line = plot.Add.Scatter(x, y);
        line.LegendText = label;
    }
}
