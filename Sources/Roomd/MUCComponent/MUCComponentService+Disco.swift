import MUCCore
import XMLStream

/// Service discovery (XEP-0045 §6, XEP-0030): the service, its rooms, and each room's features.
extension MUCComponentService {
    func serviceInfo() -> XMLElement {
        XMLElement("query", namespace: Namespace.discoInfo)
            .adding(
                XMLElement(
                    "identity", namespace: Namespace.discoInfo,
                    attributes: ["category": "conference", "type": "text", "name": "Chatrooms"])
            )
            .adding(feature(Namespace.discoInfo))
            .adding(feature(Namespace.discoItems))
            .adding(feature(Namespace.muc))
    }

    func serviceItems(_ registry: RoomRegistry) throws -> XMLElement {
        var query = XMLElement("query", namespace: Namespace.discoItems)
        for room in try registry.rooms(ofService: domain) {
            var item = XMLElement(
                "item", namespace: Namespace.discoItems, attributes: ["jid": room.address.description])
            if let name = room.configuration.name { item["name"] = name }
            query.append(item)
        }
        return query
    }

    func roomInfo(_ to: JID, _ registry: RoomRegistry) throws -> XMLElement {
        let room = try existingRoom(to, registry)
        return XMLElement("query", namespace: Namespace.discoInfo)
            .adding(
                XMLElement(
                    "identity", namespace: Namespace.discoInfo,
                    attributes: [
                        "category": "conference", "type": "text", "name": room.configuration.name ?? room.address.node,
                    ])
            )
            .adding(feature(Namespace.muc))
            .adding(feature(room.configuration.persistent ? "muc_persistent" : "muc_temporary"))
            .adding(feature("muc_semianonymous"))
            .adding(feature("muc_open"))
            .adding(feature("muc_unmoderated"))
            .adding(feature("muc_public"))
            // XEP-0410 §4: the room answers a self-ping itself, so a client may skip its own presence checks.
            .adding(feature(Namespace.mucSelfPingOptimization))
    }

    /// disco#info of a node of the room, as Prosody: the node named back, with what the room knows of it.
    /// §7.12 `x-roomuser-item` holds the requester's reserved nickname as an identity; roomd reserves no
    /// nicknames, so it is empty, and so is every other node.
    func roomNodeInfo(_ query: XMLElement, _ to: JID, _ registry: RoomRegistry) throws(StanzaError) -> XMLElement {
        _ = try existingRoom(to, registry)
        guard let node = query["node"], node.utf8.count <= 1024 else { throw .badRequest }
        return XMLElement("query", namespace: Namespace.discoInfo, attributes: ["node": node])
    }

    private func feature(_ name: String) -> XMLElement {
        XMLElement("feature", namespace: Namespace.discoInfo, attributes: ["var": name])
    }
}
