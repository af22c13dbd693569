import MUCCore
import XMLStream

/// IQs: which feature answers which query, and the replies they share; those to occupant JIDs are routed
/// (`+OccupantIQ`).
extension MUCComponentService {
    func handleIQ(_ stanza: XMLElement, from: JID, to: JID, registry: inout RoomRegistry) -> StanzaOutcome {
        let type = stanza["type"]
        guard type == "get" || type == "set" else {
            // An answer: to an IQ routed to an occupant, or to nothing the room asked.
            guard type == "result", to.resource != nil else { return StanzaOutcome() }
            return iqAnswerFromOccupant(stanza, from: from, to: to, registry: registry)
        }
        guard let query = stanza.elements.first else {
            return StanzaOutcome(before: [StanzaError.badRequest.reply(to: stanza)])
        }
        if to.resource != nil {
            return iqToOccupant(stanza, query: query, from: from, to: to, registry: registry)
        }
        do {
            switch (type, query.namespace, to.node == nil, to.resource == nil) {
            case ("get", Namespace.discoInfo, true, true):
                return StanzaOutcome(after: [result(stanza, query: serviceInfo())])
            case ("get", Namespace.discoItems, true, true):
                return StanzaOutcome(after: [result(stanza, query: try serviceItems(registry))])
            case ("get", Namespace.discoInfo, false, true) where !(query["node"] ?? "").isEmpty:
                return StanzaOutcome(after: [result(stanza, query: try roomNodeInfo(query, to, registry))])
            case ("get", Namespace.discoInfo, false, true):
                return StanzaOutcome(after: [result(stanza, query: try roomInfo(to, registry))])
            case ("get", Namespace.discoItems, false, true):
                _ = try existingRoom(to, registry)
                return StanzaOutcome(after: [
                    result(stanza, query: XMLElement("query", namespace: Namespace.discoItems))
                ])
            case ("set", Namespace.mucAdmin, false, true):
                return try adminSet(stanza, query: query, from: from, to: to, registry: &registry)
            case ("get", Namespace.mucOwner, false, true):
                return StanzaOutcome(after: [try ownerGet(stanza, from: from, to: to, registry: registry)])
            case ("set", Namespace.mucOwner, false, true):
                return try ownerSet(stanza, query: query, from: from, to: to, registry: &registry)
            case ("get", Namespace.mucAdmin, false, true):
                return StanzaOutcome(after: [try adminGet(stanza, query: query, from: from, to: to, registry: registry)]
                )
            default:
                throw StanzaError.serviceUnavailable
            }
        } catch let error as StanzaError {
            return StanzaOutcome(before: [error.reply(to: stanza)])
        } catch {
            return StanzaOutcome(before: [StanzaError.badRequest.reply(to: stanza)])
        }
    }

    func result(_ stanza: XMLElement, query: XMLElement?) -> XMLElement {
        var reply = XMLElement("iq", namespace: Namespace.component)
        reply["type"] = "result"
        reply["from"] = stanza["to"]
        reply["to"] = stanza["from"]
        reply["id"] = stanza["id"]
        if let query { reply.append(query) }
        return reply
    }

    func existingRoom(_ to: JID, _ registry: RoomRegistry) throws(StanzaError) -> Room {
        guard let address = roomAddress(to), let room = registry.rooms[address] else { throw .itemNotFound }
        return room
    }
}
