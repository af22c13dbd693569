import HTTPTypes

/// The HTTP answer, ready for any transport: status, header fields, body.
public struct KickResponse: Sendable {
    public var status: HTTPResponse.Status
    public var headerFields: HTTPFields
    public var body: [UInt8]
    /// What the request log line shows besides method, status and duration: client text as sent; the
    /// access log bounds it and makes it one line.
    public var logRoom: String?
    public var logNickname: String?
    /// Why a request failed on the server's side (503, 504, 500), for the operator; never sent to clients.
    public var logDetail: String?

    public init(status: HTTPResponse.Status, headerFields: HTTPFields = [:], body: [UInt8] = []) {
        self.status = status
        self.headerFields = headerFields
        self.body = body
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The CGI/FastCGI header block (`Status:` line, header fields, blank line) followed by the body, which a
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
        line("Status", "\(status.code) \(status.reasonPhrase)")
        for field in headerFields { line(field.name.rawName, field.value) }
        if status != .noContent { line("Content-Length", String(body.count)) }
        bytes.append(contentsOf: "\r\n".utf8)
        if includingBody { bytes.append(contentsOf: body) }
        return bytes
    }
}
