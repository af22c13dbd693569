/// What a TLS caller proved, kept with its connection so that a reload can look it up again: a caller no
/// longer configured is disconnected, one whose level changed gets the new level.
enum ControlCredential: Sendable, Equatable {
    /// The SHA-256 of the token it presented.
    case token(digest: [UInt8])
    /// A pinned certificate's fingerprint (SHA-256 of its DER).
    case pinnedCertificate(fingerprint: [UInt8])
    /// A certificate a configured CA issued: the CA certificate's fingerprint and the leaf's common name.
    case issuedCertificate(authority: [UInt8], commonName: String)
}
