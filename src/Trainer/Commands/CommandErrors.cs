using Grpc.Core;
using Trainer.Data;

namespace Trainer.Commands;

/// <summary>Turns the failures a user can cause or fix into one line on stderr and exit code 1, without a stack trace.</summary>
public static class CommandErrors
{
    public static async Task<int> RunAsync(Func<Task<int>> command)
    {
        try
        {
            return await command();
        }
        catch (RpcException e)
        {
            Console.Error.WriteLine($"error: {e.StatusCode}: {e.Status.Detail}");
            if (e.StatusCode == StatusCode.DeadlineExceeded)
                Console.Error.WriteLine("a call to the store took longer than --call-timeout allows (0 waits as long as it takes)");
            return 1;
        }
        catch (Exception e) when (e is DataFileException or TimeoutException or ArgumentException or InvalidOperationException or IOException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
