import CIPortCLI

await CIPortCommand.main()
