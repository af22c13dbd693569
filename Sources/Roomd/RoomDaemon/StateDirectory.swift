#if canImport(Glibc)
    import Glibc
#endif

/// roomd's state directory. A missing one is created (with its missing parents, mode 0700: it holds the
/// audit log), as systemd's `StateDirectory=` would; anything else in the way is reported by name rather
/// than as SQLite's "unable to open database file".
enum StateDirectory {
    static func prepare(_ path: String) throws(StartupError) {
        guard !path.isEmpty else { throw .config("--state-dir is empty") }
        var status = stat()
        if stat(path, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFDIR else {
                throw .cantCreate("state directory \(path) exists and is not a directory")
            }
            return
        }
        guard errno == ENOENT else {
            throw .cantCreate("state directory \(path) cannot be reached: \(String(cString: strerror(errno)))")
        }
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o700) != 0, errno != EEXIST {
                throw .cantCreate(
                    "state directory \(path) does not exist and cannot be created (\(prefix): \(String(cString: strerror(errno))))")
            }
        }
    }
}
