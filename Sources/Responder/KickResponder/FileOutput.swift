#if canImport(Glibc)
    import Glibc
#endif

/// Whole writes to a file descriptor: the CGI response on standard output, log lines on standard error.
enum FileOutput {
    /// Writes all of `bytes`, resuming after partial writes and EINTR. Stops at the first error (the reader
    /// went away, the disk is full): there is nobody left to tell, and the caller carries on regardless.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }
}
