/// The HTTP answer, ready for any transport: status, headers, body.
public struct KickResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// What the request log line shows besides method, status and duration: client text as sent; the
    /// access log bounds it and makes it one line.
    public var logRoom: String?
    public var logNickname: String?
    /// Why a request failed on the server's side (503, 504, 500), for the operator; never sent to clients.
    public var logDetail: String?

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    public static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 204: return "No Content"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 413: return "Content Too Large"
        case 415: return "Unsupported Media Type"
        case 500: return "Internal Server Error"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return "Status \(status)"
        }
    }

    /// The CGI/FastCGI header block (`Status:` line, headers, blank line) followed by the body, which a
    /// HEAD request does not get (its headers still announce the GET-sized length).
    public func cgiBytes(includingBody: Bool = true) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(128 + body.count)
        func line(_ name: String, _ value: String) {
            bytes.append(contentsOf: name.utf8)
            bytes.append(contentsOf: ": ".utf8)
            bytes.append(contentsOf: value.utf8)
            bytes.append(contentsOf: "\r\n".utf8)
        }
        line("Status", "\(status) \(Self.reasonPhrase(status))")
        for (name, value) in headers { line(name, value) }
        if status != 204 { line("Content-Length", String(body.count)) }
        bytes.append(contentsOf: "\r\n".utf8)
        if includingBody { bytes.append(contentsOf: body) }
        return bytes
    }
}
