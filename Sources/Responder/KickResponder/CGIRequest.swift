import KickAPI

#if canImport(Glibc)
    import Glibc
#endif

/// The same request taken from a CGI environment.
enum CGIRequest {
    static func read(maxBodySize: Int, authorized: (String?) -> Bool) -> KickRequest {
        KickRequest.read(
            maxBodySize: maxBodySize, parameter: { getenv($0).map { String(cString: $0) } }, authorized: authorized
        ) { buffer, count in
            while true {
                let result = Glibc.read(0, buffer, count)
                if result < 0 && errno == EINTR { continue }
                return max(result, 0)
            }
        }.request
    }
}
