import Foundation
import Testing

@testable import StageKit

/// FIPS 180-4 test vectors, and a file digest across the 1 MiB read chunks.
@Suite struct SHA256Tests {
    func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }

    @Test func knownVectors() {
        #expect(hex(SHA256.digest([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            hex(SHA256.digest(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            hex(SHA256.digest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func fileDigestMatchesInMemory() throws {
        let bytes = (0..<((1 << 20) + 77)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let path = NSTemporaryDirectory() + "sha-\(getpid()).bin"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(try SHA256.hexDigest(ofFile: path) == hex(SHA256.digest(bytes)))
    }

    @Test func incrementalHasherMatchesOneShotAcrossSplits() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
        for split in [0, 1, 63, 64, 65, 500, 1000] {
            var h = SHA256Hasher()
            h.update(Array(bytes[..<split]))
            h.update(Array(bytes[split...]))
            #expect(h.finalizeHex() == hex(SHA256.digest(bytes)), "split at \(split)")
        }
        var abc = SHA256Hasher()
        abc.update("abc")
        #expect(abc.finalizeHex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}

/// A model stamp reads a large weights file once: its digest is remembered by the file's status.
@Suite struct FileDigestMemoTests {
    @Test func stampsRememberTheDigestUntilTheFileChanges() throws {
        let folder = NSTemporaryDirectory() + "unclip-memo-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: folder + "/memo", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let weights = folder + "/model.safetensors", memo = FileDigestMemo(folder: folder + "/memo", minimumBytes: 0)
        let old = Date(timeIntervalSinceNow: -60)
        try Data("weights".utf8).write(to: URL(fileURLWithPath: weights))
        try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: weights)
        let truth = try SHA256.hexDigest(ofFile: weights)
        #expect(try ModelStamp(name: "m", weightsAt: weights, memo: memo).digestPrefix == String(truth.prefix(16)))
        let memos = try FileManager.default.contentsOfDirectory(atPath: folder + "/memo")
        #expect(memos.count == 1, "remembered")
        // The memo is what a second run reads: a forged one with the file's status is believed...
        let forged = String(repeating: "ab", count: 32), path = folder + "/memo/" + memos[0]
        let status = try String(contentsOfFile: path, encoding: .utf8).split(separator: " ").prefix(2)
        try Data((status.joined(separator: " ") + " " + forged).utf8).write(to: URL(fileURLWithPath: path))
        #expect(try memo.hexDigest(ofFile: weights) == forged)
        // ...until the file changes (size and time differ), when it is hashed again.
        try Data("other weights".utf8).write(to: URL(fileURLWithPath: weights))
        try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: weights)
        #expect(try memo.hexDigest(ofFile: weights) == SHA256.hexDigest(ofFile: weights))
        #expect(try FileDigestMemo(folder: nil).hexDigest(ofFile: weights) == SHA256.hexDigest(ofFile: weights))
    }

    @Test func smallFilesAreHashedWithoutAMemo() throws {
        let folder = NSTemporaryDirectory() + "unclip-memo-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: folder + "/memo", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let weights = folder + "/model.safetensors", memo = FileDigestMemo(folder: folder + "/memo", minimumBytes: 8)
        try Data("weights".utf8).write(to: URL(fileURLWithPath: weights))
        let old = Date(timeIntervalSinceNow: -60)
        try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: weights)
        #expect(try memo.hexDigest(ofFile: weights) == SHA256.hexDigest(ofFile: weights))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/memo").isEmpty, "7 bytes < 8: no memo")
    }
}
