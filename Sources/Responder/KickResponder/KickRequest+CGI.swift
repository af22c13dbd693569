import HTTPTypes
import KickAPI

extension KickRequest {
    /// Reads the CGI/FastCGI parameters the handler needs and, for a POST, the body within the limit.
    /// `readChunk(buffer, capacity)` returns the body bytes read, 0 at the end.
    static func read(
        maxBodySize: Int, parameter: (String) -> String?, authorized: (String?) -> Bool,
        readChunk: (UnsafeMutablePointer<CChar>, Int) -> Int
    ) -> (request: KickRequest, bodyRead: Bool) {
        var kick = KickRequest(
            method: HTTPRequest.Method(parameter("REQUEST_METHOD") ?? "GET"),
            authorization: parameter("HTTP_AUTHORIZATION") ?? parameter("REDIRECT_HTTP_AUTHORIZATION"),
            contentType: parameter("CONTENT_TYPE"))
        // Only an authorized POST has a body worth reading; any other request's body (a PUT streamed by
        // Apache, say) is left to the bounded drain, so no unauthenticated sender can hold a worker.
        guard kick.method == .post, authorized(kick.authorization) else { return (kick, false) }
        switch BodyReader.read(contentLength: parameter("CONTENT_LENGTH"), maxBodySize: maxBodySize, readChunk: readChunk)
        {
        case .read(let body): kick.body = body
        case .tooLarge: kick.bodyTooLarge = true
        case .invalidLength: kick.contentLengthInvalid = true
        }
        return (kick, true)
    }
}
