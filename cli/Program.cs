using Mallard.Cli;

return args switch
{
    ["cluster", .. var rest] => await ClusterCommands.RunAsync(rest, Console.Out, Console.Error),
    ["keys", .. var rest] => KeysCommands.Run(rest, Console.Out, Console.Error),
    _ => ContractCommands.Run(args, Console.Out, Console.Error),
};
