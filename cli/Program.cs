using Mallard.Cli;

return args is ["cluster", .. var rest]
    ? await ClusterCommands.RunAsync(rest, Console.Out, Console.Error)
    : ContractCommands.Run(args, Console.Out, Console.Error);
