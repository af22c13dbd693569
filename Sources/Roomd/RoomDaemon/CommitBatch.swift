/// The calls and stanzas one commit makes durable. A reply given once the batch has changed something may
/// rest on that change, so it stands only if the commit succeeds: `failed` tells the connections holding
/// such replies to refuse those calls instead (`ControlConnectionHandler.settleReplies`).
final class CommitBatch {
    var failed = false
}
