// unclip-cache: runs a stage, or replays its stored output when the same stage, arguments, model files and input
// ran before.
import Foundation
import StageCache
import StageKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

let dirOption = OptionSpec(
    "dir", value: "DIR", help: "the cache folder (default: $XDG_CACHE_HOME/unclip, else ~/.cache/unclip)")
let details = """
    With -- STAGE ARGS..., the key is the SHA-256 of: STAGE as named and the contents of its executable, every
    argument, the contents of every argument that names a file (an input stream, a probe), the *.json,
    *.safetensors, *.txt and *.gz files (two folder levels deep) of every argument that names a folder (a
    --model DIR), and the bytes of stdin (read whole before the stage starts; a terminal counts as no input).
    On a hit the stored bytes go to stdout and the stage does not run. On a miss the stage runs with its stderr
    on ours; if it succeeds its stdout is stored and then written out, if it fails nothing is stored or written
    and its exit status is ours. Entries are written under DIR/tmp and renamed into DIR/entries in one step, so
    concurrent and interrupted runs never leave a partial entry. File digests are remembered by device, inode,
    size and modification time in DIR/digests. Environment variables are not part of the key, and a stage that
    writes files (unclip-png -o) rather than stdout is not for caching: only its stdout would be replayed.
    """
let spec = CommandSpec(
    name: "unclip-cache", summary: "run a stage, replaying its stored output for an input it has seen",
    usage: [
        "[--dir DIR] [-q] -- STAGE [ARGS...]   (run STAGE, or replay its stored output)",
        "[--dir DIR] list                      (key, stage, bytes, date stored, arguments)",
        "[--dir DIR] clear [--older-than DAYS] (remove entries, or those not used for DAYS days)",
    ],
    options: [dirOption],
    common: CommonOptions(specs: CommonOptions.basic.specs.filter { ["quiet", "version", "help"].contains($0.name) }),
    details: details,
    subcommands: [
        CommandSpec(
            name: "list", summary: "list the stored entries, oldest first", usage: ["[--dir DIR]"],
            options: [dirOption],
            common: .minimal),
        CommandSpec(
            name: "clear", summary: "remove entries (and leftovers of interrupted runs)",
            usage: ["[--dir DIR] [--older-than DAYS]"],
            options: [
                dirOption,
                OptionSpec("older-than", value: "DAYS", help: "only entries not stored or replayed for DAYS days"),
            ], common: .minimal),
    ])
/// The `-- STAGE ARGS` form: the options before `--` only.
var runSpec = spec
runSpec.subcommands = []

func openStore(_ stage: StageContext) throws -> CacheStore {
    let environment = ProcessInfo.processInfo.environment
    guard
        let root = stage.command.string("dir") ?? stage.arguments.string("dir")
            ?? CacheStore.defaultRoot(environment: environment)
    else { throw UsageError("no cache folder: give --dir DIR, or set XDG_CACHE_HOME or HOME") }
    return try CacheStore(root: root)
}

let argv = Array(CommandLine.arguments.dropFirst())
if let split = argv.firstIndex(of: "--") {
    let command = Array(argv[(split + 1)...])
    Stage.run(runSpec, argv: Array(argv[..<split])) { stage in
        try stage.command.expectOperands(0...0)
        guard let name = command.first else { throw UsageError("give the STAGE to run after --") }
        if isatty(1) != 0 {
            throw UsageError(
                "refusing to write binary frames to a terminal; pipe stdout to another stage or redirect it to a file")
        }
        let run = CachedRun(
            store: try openStore(stage), stage: name, arguments: Array(command.dropFirst()),
            searchPath: ProcessInfo.processInfo.environment["PATH"], note: stage.note)
        do {
            if case .failed(let status) = try run.run() { exit(status) }
        } catch CacheError.brokenPipe {
            exit(0)
        }
    }
}
if argv.isEmpty {
    Stage.run(runSpec, argv: []) { _ in throw UsageError("give -- STAGE ARGS..., or a command: list, clear") }
}
Stage.run(spec, argv: argv) { stage in
    let store = try openStore(stage)
    switch stage.command.command.name {
    case "list":
        try stage.command.expectOperands(0...0)
        let formatter = ISO8601DateFormatter()
        var total: Int64 = 0
        let entries = store.entries()
        for entry in entries {
            total += entry.size
            let fields = [
                String(entry.key.hex.prefix(16)), entry.stage, String(entry.size),
                formatter.string(from: entry.created),
                entry.arguments.joined(separator: " "),
            ]
            // One line per entry, five fields, whatever the arguments hold.
            writeText(
                fields.map { String($0.map { $0 == "\t" || $0.isNewline ? " " : $0 }) }.joined(separator: "\t") + "\n")
        }
        stage.note("\(entries.count) entries, \(total) bytes in \(store.root)")
    default:
        try stage.command.expectOperands(0...0)
        let cutoff = try stage.command.double("older-than", in: 0...1e6).map {
            Date(timeIntervalSinceNow: -$0 * 86400)
        }
        let removed = store.clear(notUsedSince: cutoff)
        stage.note("removed \(removed.entries) entries, \(removed.bytes) bytes from \(store.root)")
    }
}
