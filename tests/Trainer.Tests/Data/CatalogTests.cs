using Trainer.Data;

namespace Trainer.Tests.Data;

public class CatalogTests
{
    private static string Sentences => Path.GetDirectoryName(SharedData.Path("sentences/stsa.binary.train"))!;

    [Fact]
    public void Load_Sst2_StandardSplitsTwoClasses()
    {
        var d = DatasetCatalog.Load("sst2", Sentences);
        Assert.Equal((6920, 872, 1821), (d.Train.Count, d.Dev!.Count, d.Test!.Count));
        Assert.Equal(2, d.Classes);
    }

    [Fact]
    public void Load_Trec_SixClassesCaseKept()
    {
        var d = DatasetCatalog.Load("trec", Sentences);
        Assert.Equal((5452, 500), (d.Train.Count, d.Test!.Count));
        Assert.Null(d.Dev);
        Assert.Equal(6, d.Train.Select(e => e.Label).Distinct().Count());
        Assert.Contains(d.Train, e => e.Tokens.Any(t => t.Any(char.IsUpper)));
    }

    [Fact]
    public void Load_Mr_OneSetForCrossValidation()
    {
        var d = DatasetCatalog.Load("MR", Sentences);
        Assert.Equal((10662, 2, 56), (d.Train.Count, d.Classes, d.MaxLength));
        Assert.Null(d.Dev);
        Assert.Null(d.Test);
    }

    [Fact]
    public void Load_UnknownName_SaysWhatExists() =>
        Assert.Contains("mr, sst2, trec", Assert.Throws<DataFileException>(() => DatasetCatalog.Load("imdb", Sentences)).Message);
}
