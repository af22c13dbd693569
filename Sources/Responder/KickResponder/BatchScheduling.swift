#if canImport(Glibc)
    import Glibc
#endif

/// Linux's SCHED_BATCH policy for the responder's worker threads.
///
/// A worker is woken by a peer that has more to do: nginx hands over a connection and goes on with its
/// other events, roomd writes one reply of a batch and goes on with the next. Under the default policy
/// the woken worker usually preempts that peer on the spot, and each preemption costs both a context
/// switch and the peer's batch its momentum. SCHED_BATCH keeps the same fair share of CPU but never
/// preempts on wake-up: the worker runs when the peer blocks or its slice ends. It saves responder CPU
/// per request and raises throughput behind nginx, at the price of the tail under saturation
/// (Benchmarks/fcgi/README.md has the runs). An idle machine has an idle CPU for the worker, so nothing
/// waits there.
enum BatchScheduling {
    /// SCHED_BATCH in <sched.h>, which the Glibc module does not import (it sits behind _GNU_SOURCE).
    static let policy: Int32 = 3

    /// Moves the calling thread to SCHED_BATCH if it runs under the default policy; a policy the operator
    /// chose (`chrt`, systemd's `CPUSchedulingPolicy=`) is left alone. Its nice value is kept. A refusal
    /// (a seccomp filter) leaves the default policy, which only costs speed.
    static func applyToCurrentThread() {
        // On Linux the policy belongs to the thread; pid 0 is the calling thread.
        guard sched_getscheduler(0) == SCHED_OTHER else { return }
        var parameters = sched_param(sched_priority: 0)
        _ = sched_setscheduler(0, policy, &parameters)
    }
}
