/// A file named on the command line (the component secret) could not be opened or read; the caller says which.
struct StartupFileError: Error {}
