using EmbeddingStore.Core;
using EmbeddingStore.Server;
using Grpc.Core;

namespace EmbeddingStore.Tests.Server;

public class ErrorMappingTests
{
    private static readonly Dictionary<StoreError, StatusCode> Expected = new()
    {
        [StoreError.NotFound] = StatusCode.NotFound,
        [StoreError.AlreadyExists] = StatusCode.AlreadyExists,
        [StoreError.InvalidArgument] = StatusCode.InvalidArgument,
        [StoreError.FailedPrecondition] = StatusCode.FailedPrecondition,
        [StoreError.PermissionDenied] = StatusCode.PermissionDenied,
        [StoreError.ResourceExhausted] = StatusCode.ResourceExhausted,
        [StoreError.Unavailable] = StatusCode.Unavailable,
        [StoreError.Aborted] = StatusCode.Aborted,
    };

    [Fact]
    public void EveryStoreError_MapsToItsOwnStatusCode()
    {
        // A StoreError added to the core without a mapping here would reach clients as UNKNOWN.
        Assert.Equal(Enum.GetValues<StoreError>().Order(), Expected.Keys.Order());
        foreach (var (error, code) in Expected) Assert.Equal(code, ErrorInterceptor.Code(error));
    }
}
