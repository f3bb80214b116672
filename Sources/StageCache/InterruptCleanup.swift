#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// On SIGINT, SIGTERM or SIGHUP while an entry is being written: passes the signal on to the stage, removes the
/// unfinished entry's files, then dies of the same signal. Only async-signal-safe calls run in the handler, on
/// C strings prepared beforehand.
enum InterruptCleanup {
    /// The unfinished entry's files (removed with unlink) and folder (rmdir), in that order; nil slots skipped.
    static let paths: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
        let p = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: slotCount)
        p.initialize(repeating: nil, count: slotCount)
        return p
    }()
    static let child: UnsafeMutablePointer<pid_t> = {
        let p = UnsafeMutablePointer<pid_t>.allocate(capacity: 1)
        p.initialize(to: 0)
        return p
    }()
    static let slotCount = 3

    /// Arms the cleanup of `files` and `folder`.
    static func arm(files: [String], folder: String) {
        _ = child
        disarm()
        for (i, file) in files.prefix(slotCount - 1).enumerated() { paths[i] = strdup(file) }
        paths[slotCount - 1] = strdup(folder)
        var handled = sigset_t()
        sigemptyset(&handled)
        for number in [SIGINT, SIGTERM, SIGHUP] {
            _ = signal(number, handleInterrupt)
            sigaddset(&handled, number)
        }
        // A parent may have started us with these blocked (test runners do); cleanup needs them delivered.
        sigprocmask(SIG_UNBLOCK, &handled, nil)
    }

    /// Records the running stage, to pass signals on to it.
    static func watch(_ pid: pid_t) { child.pointee = pid }

    /// Nothing left to clean: the entry was stored or discarded.
    static func disarm() {
        child.pointee = 0
        for i in 0..<slotCount {
            let old = paths[i]
            paths[i] = nil
            free(old)
        }
    }
}

private func handleInterrupt(_ number: Int32) {
    let child = InterruptCleanup.child.pointee
    if child > 0 { kill(child, number) }
    for i in 0..<InterruptCleanup.slotCount {
        guard let path = InterruptCleanup.paths[i] else { continue }
        if i == InterruptCleanup.slotCount - 1 { rmdir(path) } else { unlink(path) }
    }
    _ = signal(number, SIG_DFL)
    raise(number)
}
