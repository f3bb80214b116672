import Foundation
import StageKit
import Testing

@testable import StageCache

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The cache folder without running stages: keys, entries, racing writers, leftovers, clearing.
@Suite struct CacheStoreTests {
    /// A scratch folder, removed by the caller.
    func scratch() throws -> String {
        let path = NSTemporaryDirectory() + "unclip-cache-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A finished entry for `key` in a fresh temporary folder of `store`.
    func pending(_ store: CacheStore, key: CacheKey, output: String) throws -> String {
        let folder = try store.makeTemporaryFolder()
        try POSIXFiles.writeFile(folder + "/output", Array(output.utf8))
        let entry = CacheEntry(
            key: key, stage: "unclip-test", arguments: ["--seed", "1"], created: Date(), lastUsed: Date(),
            size: Int64(output.utf8.count), folder: folder)
        try POSIXFiles.writeFile(folder + "/info.json", try entry.infoJSON())
        return folder
    }

    @Test func keyCoversStageArgumentsFilesFoldersAndInput() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let exe = dir + "/stage"
        try Data("#!/bin/sh\n".utf8).write(to: URL(fileURLWithPath: exe))
        let model = dir + "/model"
        try FileManager.default.createDirectory(atPath: model + "/decoder", withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: model + "/config.json"))
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: model + "/decoder/weights.safetensors"))
        try Data("notes".utf8).write(to: URL(fileURLWithPath: model + "/MODEL_CARD.md"))
        let digests = FileDigests(memo: FileDigestMemo(folder: nil))
        func key(_ args: [String], input: String = "in", stage: String = "unclip-x") throws -> String {
            try CacheKey.make(stage: stage, executable: exe, arguments: args, inputDigest: input, digests: digests).hex
        }
        let base = try key(["--model", model, "--seed", "1"])
        #expect(base.count == 64)
        #expect(try key(["--model", model, "--seed", "1"]) == base, "the same invocation, the same key")
        #expect(try key(["--model", model, "--seed", "2"]) != base)
        #expect(try key(["--model", model, "--seed", "1"], input: "other") != base)
        #expect(try key(["--model", model, "--seed", "1"], stage: "unclip-y") != base)
        #expect(try key(["--model", model, "--seed 1"]) != base, "arguments are fields, not joined text")
        // A model card is not part of the model; its weights are, in subfolders too.
        try Data("other notes".utf8).write(to: URL(fileURLWithPath: model + "/MODEL_CARD.md"))
        #expect(try key(["--model", model, "--seed", "1"]) == base)
        try Data([1, 2, 4]).write(to: URL(fileURLWithPath: model + "/decoder/weights.safetensors"))
        let changedWeights = try key(["--model", model, "--seed", "1"])
        #expect(changedWeights != base)
        #expect(try key(["--model=" + model, "--seed", "1"]) != changedWeights, "spelled differently")
        // A file operand enters by content.
        let input = dir + "/in.st"
        try Data("one".utf8).write(to: URL(fileURLWithPath: input))
        let withFile = try key([input])
        try Data("two".utf8).write(to: URL(fileURLWithPath: input))
        #expect(try key([input]) != withFile)
        // The executable too.
        try Data("#!/bin/sh\n# v2\n".utf8).write(to: URL(fileURLWithPath: exe))
        #expect(try key([input]) != withFile)
    }

    @Test func rememberedDigestsFollowTheFile() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try CacheStore(root: dir + "/cache")
        let file = dir + "/w.safetensors"
        try Data([9, 9, 9]).write(to: URL(fileURLWithPath: file))
        // Old enough to be remembered.
        var times = [timeval(tv_sec: 1_000_000_000, tv_usec: 0), timeval(tv_sec: 1_000_000_000, tv_usec: 0)]
        #expect(utimes(file, &times) == 0)
        var digests = store.digests
        digests.memo.minimumBytes = 0  // 3 bytes: under the usual floor, which would rehash it every time
        let first = try digests.digest(ofFile: file)
        #expect(first == (try SHA256.hexDigest(ofFile: file)))
        #expect(POSIXFiles.names(in: store.digestsFolder).count == 1, "remembered")
        #expect(try digests.digest(ofFile: file) == first)
        try Data([9, 9, 8]).write(to: URL(fileURLWithPath: file))
        #expect(try digests.digest(ofFile: file) != first, "a rewrite changes size or time, so it is rehashed")
    }

    @Test func onlyCommittedEntriesAreFoundAndTheFirstWriterWins() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try CacheStore(root: dir)
        let key = CacheKey(hex: String(repeating: "ab", count: 32))
        let first = try pending(store, key: key, output: "first")
        #expect(store.lookup(key) == nil, "an entry being written is not visible")
        let second = try pending(store, key: key, output: "second")
        #expect(try store.commit(temporary: first, key: key))
        #expect(try !store.commit(temporary: second, key: key), "the second writer finds the key taken")
        let entry = try #require(store.lookup(key))
        #expect(try String(contentsOfFile: entry.outputPath, encoding: .utf8) == "first")
        #expect(entry.stage == "unclip-test" && entry.arguments == ["--seed", "1"] && entry.size == 5)
        #expect(store.entries().map(\.key) == [key])
    }

    @Test func inconsistentEntryIsAMissAndIsRemoved() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try CacheStore(root: dir)
        let key = CacheKey(hex: String(repeating: "cd", count: 32))
        let folder = try pending(store, key: key, output: "whole output")
        #expect(try store.commit(temporary: folder, key: key))
        // Cut the output short behind the cache's back (a torn copy, a full disk).
        #expect(truncate(store.entryFolder(key) + "/output", 4) == 0)
        #expect(store.lookup(key) == nil)
        #expect(POSIXFiles.status(store.entryFolder(key)) == nil, "removed, so the next run can store it again")
    }

    @Test func clearRemovesOldEntriesAndDeadWritersLeftovers() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try CacheStore(root: dir)
        let old = CacheKey(hex: String(repeating: "01", count: 32))
        let recent = CacheKey(hex: String(repeating: "02", count: 32))
        #expect(try store.commit(temporary: try pending(store, key: old, output: "old"), key: old))
        #expect(try store.commit(temporary: try pending(store, key: recent, output: "recent"), key: recent))
        var times = [timeval(tv_sec: 1_000_000_000, tv_usec: 0), timeval(tv_sec: 1_000_000_000, tv_usec: 0)]
        #expect(utimes(store.entryFolder(old) + "/info.json", &times) == 0)
        // A dead writer's unfinished entry (pid 0x7ffffff0 is not running) and a live one (ours).
        try FileManager.default.createDirectory(
            atPath: store.temporaryFolder + "/2147483632-1", withIntermediateDirectories: false)
        let live = try store.makeTemporaryFolder()
        try POSIXFiles.writeFile(store.digestsFolder + "/1-2", Array("3 4 \(String(repeating: "0", count: 64))".utf8))

        let removed = store.clear(notUsedSince: Date(timeIntervalSinceNow: -86400))
        #expect(removed.entries == 1 && removed.bytes == 3)
        #expect(store.lookup(old) == nil && store.lookup(recent) != nil)
        #expect(POSIXFiles.names(in: store.temporaryFolder) == [(live as NSString).lastPathComponent])

        #expect(store.clear(notUsedSince: nil).entries == 1)
        #expect(store.entries().isEmpty)
        #expect(POSIXFiles.names(in: store.digestsFolder).isEmpty)
    }

    @Test func defaultFolderFollowsXDG() {
        #expect(CacheStore.defaultRoot(environment: ["XDG_CACHE_HOME": "/x", "HOME": "/h"]) == "/x/unclip")
        #expect(CacheStore.defaultRoot(environment: ["XDG_CACHE_HOME": "rel", "HOME": "/h"]) == "/h/.cache/unclip")
        #expect(CacheStore.defaultRoot(environment: [:]) == nil)
    }
}
