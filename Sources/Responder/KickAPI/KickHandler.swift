import HTTPTypes
import MUCCore
import StrictJSON

/// POST /muc_kick: turns a request into a response, asking a `RoomKicker` for the kick.
///
/// Transport-free: the FastCGI layer, CGI mode and the unit tests all call `respond`. The checks run in
/// the order a client can act on: method, then credentials (before anything about the body is revealed),
/// then size, type and content, then roomd.
public struct KickHandler: Sendable {
    public let policy: KickPolicy

    public static let allow = "POST, OPTIONS"

    public init(policy: KickPolicy) {
        self.policy = policy
    }

    public func respond(to request: KickRequest, using kicker: some RoomKicker) -> KickResponse {
        var response = handle(request, using: kicker)
        // A browser may read the answer (not only send the kick) only with the origin on every response.
        if let origin = policy.corsAllowOrigin, request.method != .options {
            response.headerFields[.accessControlAllowOrigin] = origin
            response.headerFields.append(HTTPField(name: .vary, value: "Origin"))
        }
        return response
    }

    private func handle(_ request: KickRequest, using kicker: some RoomKicker) -> KickResponse {
        switch request.method {
        case .options?:
            var response = KickResponse(status: .noContent, headerFields: [.allow: Self.allow])
            if let origin = policy.corsAllowOrigin {
                response.headerFields[.accessControlAllowOrigin] = origin
                response.headerFields[.accessControlAllowMethods] = Self.allow
                response.headerFields[.accessControlAllowHeaders] = "Authorization, Content-Type"
                response.headerFields[.accessControlMaxAge] = "600"
            }
            return response
        case .post?:
            break
        default:
            return error(.methodNotAllowed, "Method not allowed", extraFields: [.allow: Self.allow])
        }

        guard policy.authorization.accepts(request.authorization) else {
            return error(.unauthorized, "Authorization failed", extraFields: [.wwwAuthenticate: #"Basic realm="muc_kick""#])
        }
        if request.contentLengthInvalid {
            return error(.badRequest, "Invalid Content-Length")
        }
        if request.bodyTooLarge {
            return error(.contentTooLarge, "Request body too large (limit \(policy.maxBodySize) bytes)")
        }
        if policy.requireJSONContentType, !Self.isJSON(request.contentType) {
            return error(.unsupportedMediaType, "Content-Type must be application/json")
        }

        let body: KickBody
        do {
            body = try KickBody.parse(request.body)
        } catch {
            switch error {
            case .empty: return self.error(.badRequest, "Request body is empty: expected a JSON object")
            case .invalidJSON: return self.error(.badRequest, "Request body is not valid JSON")
            case .notAnObject: return self.error(.badRequest, "Request body is not a JSON object")
            case .tooManyMembers:
                return self.error(.badRequest, "Request body has an object of more than \(JSONParser.defaultMaxMembers) members")
            }
        }

        // Prosody's module answers a missing or null field with this exact text; clients may match it.
        let missing = error(.badRequest, "Missing nickname and/or MUC")
        guard let mucField = body.muc, mucField != .null else { return missing }
        guard case .string(let mucText) = mucField else { return error(.badRequest, "Invalid MUC: expected a string") }
        let nicknameField = body.nickname == .null ? nil : body.nickname
        let jidField = body.jid == .null ? nil : body.jid
        if nicknameField == nil && jidField == nil { return missing }
        if nicknameField != nil && jidField != nil { return error(.badRequest, "Give either nickname or jid, not both") }

        let room: RoomAddress
        do {
            room = try RoomAddress(parsing: mucText)
        } catch {
            var response = self.error(.badRequest, "Invalid MUC address: \(error)")
            response.logRoom = mucText
            return response
        }

        let target: KickTarget
        var logNickname: String?
        if let nicknameField {
            guard case .string(let text) = nicknameField else { return error(.badRequest, "Invalid nickname: expected a string") }
            logNickname = text
            do {
                target = .nick(try Nickname(parsing: text))
            } catch {
                return logged(self.error(.badRequest, "Invalid nickname: \(error)"), room, logNickname)
            }
        } else {
            guard case .string(let text)? = jidField else { return error(.badRequest, "Invalid jid: expected a string") }
            logNickname = "jid:" + text
            do {
                target = .jid(try JID(parsing: text))
            } catch {
                return logged(self.error(.badRequest, "Invalid jid: \(error)"), room, logNickname)
            }
        }

        var reason: String?
        switch body.reason {
        case nil, .null?: reason = nil
        case .string(let text)?:
            do {
                try FreeText.check(text, as: .reason)
            } catch {
                return logged(self.error(.badRequest, "Invalid reason: \(error.message)"), room, logNickname)
            }
            reason = text.isEmpty ? nil : text
        case .other?: return logged(error(.badRequest, "Invalid reason: expected a string"), room, logNickname)
        }

        let command = KickCommand(
            room: room, target: target, reason: reason, protectPrivileged: policy.protectPrivileged)
        let response: KickResponse
        do {
            let kicked = try kicker.kick(command)
            response = success(command, kicked)
        } catch {
            response = failure(error, command)
        }
        return logged(response, room, logNickname)
    }

    private func success(_ command: KickCommand, _ kicked: [KickedOccupant]) -> KickResponse {
        var writer = JSONWriter(capacity: 160)
        writer.beginObject()
        writer.key("kicked")
        writer.beginObject()
        // Keys in sorted order, as clients of the first release saw them.
        if case .jid(let jid) = command.target { writer.field("jid", jid.description) }
        writer.field("jids", kicked.flatMap(\.jids))
        writer.field("muc", command.room.description)
        if case .nick(let nick) = command.target { writer.field("nickname", nick.description) }
        writer.field("nicknames", kicked.map(\.nickname))
        writer.endObject()
        writer.endObject()
        return KickResponse(status: .ok, headerFields: [.contentType: "application/json"], body: writer.bytes)
    }

    private func failure(_ failure: KickFailure, _ command: KickCommand) -> KickResponse {
        switch failure {
        case .serviceNotFound(let domain):
            return error(.notFound, "MUC not found: No such host: \(domain)")
        case .roomNotFound:
            return error(.notFound, "MUC not found: No MUC '\(command.room.node)' found for host: \(command.room.service)")
        case .occupantNotFound:
            switch command.target {
            case .nick(let nick): return error(.notFound, "Nickname not found in MUC: \(nick)")
            case .jid(let jid): return error(.notFound, "No occupant with JID \(jid) in MUC")
            }
        case .notAllowed(let nickname, let affiliation):
            return error(.forbidden, "Not allowed to kick \(nickname): occupant is \(affiliation)")
        case .invalidAddress(let field, let reason):
            return error(.badRequest, "Invalid \(field): \(reason)")
        case .unavailable(let detail):
            var response = error(.serviceUnavailable, "Room service unavailable", extraFields: [.retryAfter: "5"])
            response.logDetail = detail
            return response
        case .timedOut:
            var response = error(.gatewayTimeout, "Room service did not answer in time")
            response.logDetail = "no answer from roomd within \(policy.roomdTimeout)"
            return response
        case .unexpected(let detail):
            var response = error(.internalServerError, "Internal error")
            response.logDetail = detail
            return response
        }
    }

    private func error(_ status: HTTPResponse.Status, _ message: String, extraFields: HTTPFields = [:]) -> KickResponse {
        var writer = JSONWriter(capacity: message.utf8.count + 16)
        writer.beginObject()
        writer.field("error", message)
        writer.endObject()
        var fields: HTTPFields = [.contentType: "application/json"]
        fields.append(contentsOf: extraFields)
        return KickResponse(status: status, headerFields: fields, body: writer.bytes)
    }

    private func logged(_ response: KickResponse, _ room: RoomAddress, _ nickname: String?) -> KickResponse {
        // `response.logDetail` is kept: it says why roomd could not be used.
        var response = response
        response.logRoom = room.description
        response.logNickname = nickname
        return response
    }

    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        guard let first = contentType.split(separator: ";", omittingEmptySubsequences: false).first else {
            return false
        }
        let mediaType = String(first.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
            .lowercased()
        return mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
    }
}

