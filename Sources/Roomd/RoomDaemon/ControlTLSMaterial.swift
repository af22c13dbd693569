#if canImport(Glibc)
    import Glibc
#endif
import NIOCore
import NIOSSL

/// What the TLS listener's files say, read and checked together: the server context (certificate, key,
/// client CAs as trust roots, TLS 1.2 and later) and the callers. A reload makes a new one and swaps it in
/// only if every file read and agreed, so a bad new file leaves the running configuration as it was.
public struct ControlTLSMaterial: @unchecked Sendable {
    // NIOSSLContext is thread-safe (it is shared by every connection it makes), but not marked Sendable.
    public let context: NIOSSLContext
    public let callers: ControlCallers
    /// The server certificate's end of validity, for the log.
    public let notValidAfter: time_t

    /// Largest callers file read: a few thousand lines.
    static let maxCallersFileSize = 1 << 20

    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
    }

    public static func load(_ settings: ControlTLSSettings) throws(LoadError) -> ControlTLSMaterial {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(settings.certificatePath)
        } catch {
            throw LoadError(description: "cannot read the certificate \(settings.certificatePath): \(error)")
        }
        guard let leaf = chain.first else {
            throw LoadError(description: "no certificate in \(settings.certificatePath)")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: settings.keyPath, format: .pem)
        } catch {
            throw LoadError(description: "cannot read the private key \(settings.keyPath): \(error)")
        }
        var callers = ControlCallers()
        if let path = settings.callersPath {
            let text: String
            do {
                text = try readFile(path, limit: maxCallersFileSize)
            } catch {
                throw LoadError(description: "cannot read the callers file \(path): \(error)")
            }
            do {
                callers = try ControlCallers(parsing: text)
            } catch {
                throw LoadError(description: "\(path): \(error)")
            }
        }
        var roots: [NIOSSLCertificate] = []
        for (index, authority) in callers.authorities.enumerated() {
            let certificates: [NIOSSLCertificate]
            do {
                certificates = try NIOSSLCertificate.fromPEMFile(authority.path)
            } catch {
                throw LoadError(description: "cannot read the CA \(authority.path) of '\(authority.name)': \(error)")
            }
            guard !certificates.isEmpty else {
                throw LoadError(description: "no certificate in the CA file \(authority.path)")
            }
            for certificate in certificates {
                let fingerprint = try fingerprint(of: certificate)
                if let other = callers.authorityFingerprints[fingerprint], other != index {
                    throw LoadError(
                        description: "the CA of '\(authority.name)' is also that of '\(callers.authorities[other].name)'")
                }
                callers.authorityFingerprints[fingerprint] = index
                roots.append(certificate)
            }
        }

        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        // A certificate, when one is sent, must verify against the client CAs (or be pinned, see
        // `ControlTLSHandshakeHandler`); a peer without one may still present a token.
        configuration.certificateVerification = callers.authorities.isEmpty && callers.certificates.isEmpty
            ? .none : .optionalVerification
        configuration.trustRoots = .certificates(roots)
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw LoadError(
                description: "cannot use \(settings.certificatePath) with \(settings.keyPath) (do they belong together?): \(error)")
        }
        return ControlTLSMaterial(context: context, callers: callers, notValidAfter: leaf.notValidAfter)
    }

    /// SHA-256 of the certificate's DER: what `openssl x509 -noout -fingerprint -sha256` prints.
    static func fingerprint(of certificate: NIOSSLCertificate) throws(LoadError) -> [UInt8] {
        do {
            return SecretDigest.sha256(try certificate.toDERBytes())
        } catch {
            throw LoadError(description: "cannot encode a certificate: \(error)")
        }
    }

    struct FileError: Error, CustomStringConvertible {
        var description: String
    }

    /// A small text file, whole; refused past `limit` bytes.
    static func readFile(_ path: String, limit: Int) throws(FileError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(description: String(cString: strerror(errno))) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = read(fd, &chunk, chunk.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw FileError(description: String(cString: strerror(errno)))
            }
            if count == 0 { break }
            bytes += chunk[..<count]
            guard bytes.count <= limit else { throw FileError(description: "larger than \(limit) bytes") }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
