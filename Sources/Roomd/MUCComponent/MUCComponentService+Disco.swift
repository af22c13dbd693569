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
            .adding(feature(Self.stableIDFeature))
    }

    /// XEP-0045 §7.4 (v1.31): the service reflects a message's `id`; advertised on the service and its rooms.
    static let stableIDFeature = "http://jabber.org/protocol/muc#stable_id"

    func serviceItems(_ registry: RoomRegistry) throws -> XMLElement {
        var query = XMLElement("query", namespace: Namespace.discoItems)
        // A hidden room (`muc#roomconfig_publicroom` off) is not listed, nor a new one still locked.
        for room in try registry.rooms(ofService: domain) where room.configuration.isPublic && !room.locked {
            var item = XMLElement(
                "item", namespace: Namespace.discoItems, attributes: ["jid": room.address.description])
            if let name = room.configuration.name { item["name"] = name }
            query.append(item)
        }
        return query
    }

    func roomInfo(_ to: JID, _ registry: RoomRegistry) throws -> XMLElement {
        let room = try existingRoom(to, registry)
        var query = XMLElement("query", namespace: Namespace.discoInfo)
            .adding(
                XMLElement(
                    "identity", namespace: Namespace.discoInfo,
                    attributes: [
                        "category": "conference", "type": "text", "name": room.configuration.name ?? room.address.node,
                    ])
            )
            .adding(feature(Namespace.muc))
            .adding(feature(Self.stableIDFeature))
            // XEP-0410 §4: the room answers a self-ping itself, so a client may skip its own presence checks.
            .adding(feature(Namespace.mucSelfPingOptimization))
        for name in roomFeatures(room.configuration) { query.append(feature(name)) }
        query.append(roomInfoForm(room))
        return query
    }

    /// Every `muc_*` feature true of the room (XEP-0045 §15.5.4).
    func roomFeatures(_ c: RoomConfiguration) -> [String] {
        [
            c.persistent ? "muc_persistent" : "muc_temporary",
            c.isPublic ? "muc_public" : "muc_hidden",
            c.membersOnly ? "muc_membersonly" : "muc_open",
            c.whois == .anyone ? "muc_nonanonymous" : "muc_semianonymous",
            c.password != nil ? "muc_passwordprotected" : "muc_unsecured",
            c.moderated ? "muc_moderated" : "muc_unmoderated",
        ]
    }

    /// §6.4: the `muc#roominfo` extended information (XEP-0128).
    func roomInfoForm(_ room: Room) -> XMLElement {
        let c = room.configuration
        var x = XMLElement("x", namespace: Namespace.dataForms, attributes: ["type": "result"])
        x.append(RoomConfigForm.field("FORM_TYPE", type: "hidden", values: [Namespace.mucRoomInfo]))
        x.append(
            RoomConfigForm.field(
                "muc#roomconfig_roomname", type: "text-single", label: "Title", values: [c.name ?? ""]))
        x.append(
            RoomConfigForm.field(
                "muc#roominfo_description", type: "text-single", label: "Description", values: [c.description ?? ""]))
        x.append(
            RoomConfigForm.field(
                "muc#roominfo_occupants", type: "text-single", label: "Number of occupants",
                values: [String(room.occupants.count)]))
        x.append(
            RoomConfigForm.field(
                "muc#roominfo_lang", type: "text-single", label: "Language tag for room (e.g. 'en', 'de', 'fr' etc.)",
                values: [c.language ?? ""]))
        x.append(
            RoomConfigForm.field(
                "muc#roominfo_subject", type: "text-single", label: "Subject",
                values: [room.subject?.text ?? ""]))
        x.append(
            RoomConfigForm.field(
                "muc#roomconfig_changesubject", type: "boolean", label: "Allow anyone to set the room's subject",
                values: [c.changeSubject ? "1" : "0"]))
        // Whether members may invite (`Room.authorizeInvitation`), as Prosody shows it: Conversations offers
        // a member of a members-only room the invite action only when it is on.
        x.append(
            RoomConfigForm.field(
                "muc#roomconfig_allowinvites", type: "boolean", label: "Allow users to invite other users",
                values: [!c.membersOnly || c.allowInvites ? "1" : "0"]))
        if let maxUsers = c.maxUsers {
            x.append(
                RoomConfigForm.field(
                    "muc#roomconfig_maxusers", type: "text-single", label: "Maximum number of occupants",
                    values: [String(maxUsers)]))
        }
        return x
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
