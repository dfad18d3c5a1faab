using Mallard.Cli;

return ContractCommands.Run(args, Console.Out, Console.Error);
