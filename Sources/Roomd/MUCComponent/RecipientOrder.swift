import XMLStream

/// The order in which what one inbound stanza leads to is written on the component stream: one run of
/// stanzas per recipient, recipients in the order they first appear, each recipient's stanzas in their own
/// order.
///
/// Why: an XMPP server reads a component stream in chunks (Prosody 0.12 reads 8 KiB at a time and flushes
/// its client streams between two reads), so a recipient whose stanzas are spread through a large write gets
/// them in several TCP writes, and with Nagle's algorithm on (Prosody's default) every write after the first
/// waits for the client's delayed ACK. A join is the case that matters: its answer to the joiner (the others'
/// presences, its own, the subject) was interleaved with the join's broadcast to everyone else, so its tail
/// (self-presence and subject, which tell the client the join is complete) left in a second small write.
/// Together, and first, it fits in the server's first read and reaches the joiner in one write.
///
/// XEP-0045 orders stanzas per recipient only (§7.2.3: the others' presences, then the self-presence, then
/// history and subject), and that order is kept. Recipients are compared by bare JID so that stanzas to a
/// user's account and to its sessions keep their relative order too.
public enum RecipientOrder {
    public static func grouped(_ stanzas: [XMLElement]) -> [XMLElement] {
        guard stanzas.count > 2 else { return stanzas }
        var runs: [[XMLElement]] = []
        var runOf: [Substring: Int] = [:]
        for stanza in stanzas {
            let to = stanza["to"] ?? ""
            let bare = to.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            if let index = runOf[bare] {
                runs[index].append(stanza)
            } else {
                runOf[bare] = runs.count
                runs.append([stanza])
            }
        }
        guard runs.count > 1 else { return stanzas }
        return Array(runs.joined())
    }
}
