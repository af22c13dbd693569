/// Who may discover occupants' real JIDs (XEP-0045 `muc#roomconfig_whois`): a semi-anonymous room shows
/// them to moderators, a non-anonymous one to everyone.
public enum Whois: String, Sendable, CaseIterable {
    case moderators, anyone
}
