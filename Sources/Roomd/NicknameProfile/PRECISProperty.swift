/// RFC 8264 §8's derived property of a code point, as the FreeformClass reads it: PVALID and FREE_PVAL are
/// both `valid` there.
enum PRECISProperty: Equatable {
    case valid
    /// Allowed where RFC 5892 appendix A.1-A.2's rule for it holds (the join controls).
    case contextJ
    /// Allowed where RFC 5892 appendix A.3-A.9's rule for it holds.
    case contextO
    case disallowed
    case unassigned
}
