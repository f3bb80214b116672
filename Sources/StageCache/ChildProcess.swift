import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Starting the cached stage with its stdin and stdout on given descriptors (stderr shared with ours) and
/// waiting for it.
enum ChildProcess {
    /// The executable `name` names: a path when it holds a `/`, else the first match on `path` (PATH's list).
    static func resolve(_ name: String, path: String?) throws -> String {
        func isExecutable(_ candidate: String) -> Bool {
            guard let s = POSIXFiles.status(candidate), POSIXFiles.isRegularFile(s) else { return false }
            return access(candidate, X_OK) == 0
        }
        if name.contains("/") {
            guard isExecutable(name) else { throw CacheError.noExecutable(name) }
            return name
        }
        guard !name.isEmpty else { throw CacheError.noExecutable(name) }
        for folder in (path ?? "/usr/bin:/bin").split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (folder.isEmpty ? "." : String(folder)) + "/" + name
            if isExecutable(candidate) { return candidate }
        }
        throw CacheError.noExecutable(name)
    }

    /// Starts `executable` with `arguments` (argv[0] is `name`), stdin from `input`, stdout to `output`.
    /// SIGPIPE, SIGINT, SIGTERM and SIGHUP go back to their default actions in the child (this process ignores or
    /// catches them), and it starts with no signal blocked.
    static func spawn(name: String, executable: String, arguments: [String], input: Int32, output: Int32) throws
        -> pid_t
    {
        #if canImport(Darwin)
            var actions: posix_spawn_file_actions_t? = nil
            var attributes: posix_spawnattr_t? = nil
        #else
            var actions = posix_spawn_file_actions_t()
            var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawn_file_actions_adddup2(&actions, input, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv: [UnsafeMutablePointer<CChar>?] = ([name] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        #if canImport(Darwin)
            let environment = _NSGetEnviron().pointee
        #else
            let environment = environ
        #endif
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, environment)
        guard status == 0 else {
            throw CacheError.spawnFailed(stage: name, reason: String(cString: strerror(status)))
        }
        return pid
    }

    /// Waits for `pid`: its exit status, or 128 + the signal that killed it (as shells report it).
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return 1 }
        }
        let signal = status & 0x7f
        if signal == 0 { return (status >> 8) & 0xff }
        return 128 + signal
    }
}
