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
    /// A join in a room of N gives ~2N stanzas, so this runs in one pass plus a placement pass, without an
    /// array per recipient, and returns the stanzas as they are when they already are in runs.
    public static func grouped(_ stanzas: [XMLElement]) -> [XMLElement] {
        guard stanzas.count > 2 else { return stanzas }
        var runOf: [Substring: Int] = [:]
        runOf.reserveCapacity(stanzas.count)
        var runs: [Int] = []
        runs.reserveCapacity(stanzas.count)
        var sizes: [Int] = []
        var inRuns = true
        for stanza in stanzas {
            let key = bare(stanza["to"] ?? "")
            if let run = runOf[key] {
                if run != sizes.count - 1 { inRuns = false }
                runs.append(run)
                sizes[run] += 1
            } else {
                runOf[key] = sizes.count
                runs.append(sizes.count)
                sizes.append(1)
            }
        }
        guard !inRuns else { return stanzas }
        var next: [Int] = []
        next.reserveCapacity(sizes.count)
        var total = 0
        for size in sizes {
            next.append(total)
            total += size
        }
        var placed = stanzas
        for (index, stanza) in stanzas.enumerated() {
            placed[next[runs[index]]] = stanza
            next[runs[index]] += 1
        }
        return placed
    }

    private static func bare(_ jid: String) -> Substring {
        guard let slash = jid.firstIndex(of: "/") else { return jid[...] }
        return jid[..<slash]
    }
}
