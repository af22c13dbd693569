import HTTPTypes

/// What the responder needs from one HTTP request, already taken out of its transport.
///
/// The credential and the content type are the values the web server passed, not `HTTPField`s: an
/// `HTTPField` legalises its value (control characters become spaces), and the credential must be
/// compared exactly as it was sent.
public struct KickRequest: Sendable, Equatable {
    /// Nil when the transport passed something that is not an HTTP method token.
    public var method: HTTPRequest.Method?
    /// `Authorization`, or `REDIRECT_HTTP_AUTHORIZATION` where Apache moved it after a rewrite.
    public var authorization: String?
    public var contentType: String?
    public var body: [UInt8]
    /// The body was larger than the limit (by its declared length or while reading it); `body` is then
    /// incomplete and must not be parsed.
    public var bodyTooLarge: Bool
    /// The declared Content-Length is not a decimal number of bytes (`-1`, `12abc`); the body was not read.
    public var contentLengthInvalid: Bool

    public init(
        method: HTTPRequest.Method?, authorization: String? = nil, contentType: String? = nil,
        body: [UInt8] = [], bodyTooLarge: Bool = false, contentLengthInvalid: Bool = false
    ) {
        self.method = method
        self.authorization = authorization
        self.contentType = contentType
        self.body = body
        self.bodyTooLarge = bodyTooLarge
        self.contentLengthInvalid = contentLengthInvalid
    }
}
