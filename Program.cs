using Diaryx.Sync.Lite.Cli;

// Composition root: parse the command line (DESIGN.md §5) and run the chosen command.
// `serve` (the default) builds the web host in Cli/ServeCommand.cs.
return await new DiaryxCommandLine().InvokeAsync(args);
