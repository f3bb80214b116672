import Foundation

// FIPS 180-4 SHA-256, for the model digests recorded in frame provenance.

/// SHA-256 of bytes or of a file (read in chunks).
public enum SHA256 {
    static let k: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    /// Incremental state.
    struct State: Sendable {
        var h: [UInt32] = [
            0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
        ]
        var pending: [UInt8] = []
        var length: UInt64 = 0

        mutating func update(_ bytes: UnsafeRawBufferPointer) {
            length &+= UInt64(bytes.count)
            guard let base = bytes.baseAddress else { return }
            var i = 0
            if !pending.isEmpty {
                while i < bytes.count && pending.count < 64 {
                    pending.append(bytes[i])
                    i += 1
                }
                if pending.count == 64 {
                    pending.withUnsafeBytes { if let p = $0.baseAddress { blocks(p, count: 1) } }
                    pending.removeAll(keepingCapacity: true)
                }
            }
            let whole = (bytes.count - i) / 64
            if whole > 0 {
                blocks(base + i, count: whole)
                i += 64 * whole
            }
            while i < bytes.count {
                pending.append(bytes[i])
                i += 1
            }
        }

        /// Compresses `count` consecutive 64-byte blocks. Works on raw pointers (no array checks per word) so
        /// that hashing stays usable in unoptimized builds too (a stage's input, an executable, model weights).
        mutating func blocks(_ data: UnsafeRawPointer, count: Int) {
            h.withUnsafeMutableBufferPointer { hb in
                SHA256.k.withUnsafeBufferPointer { kb in
                    withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { wb in
                        guard let h = hb.baseAddress, let k = kb.baseAddress, let w = wb.baseAddress else { return }
                        let bytes = data.assumingMemoryBound(to: UInt8.self)
                        for n in 0..<count {
                            let p = bytes + 64 * n
                            for t in 0..<16 {
                                let b = p + 4 * t
                                w[t] = UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
                            }
                            for t in 16..<64 {
                                let x = w[t - 15], y = w[t - 2]
                                let s0 = (x >> 7 | x << 25) ^ (x >> 18 | x << 14) ^ (x >> 3)
                                let s1 = (y >> 17 | y << 15) ^ (y >> 19 | y << 13) ^ (y >> 10)
                                w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
                            }
                            var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7]
                            for t in 0..<64 {
                                let s1 = (e >> 6 | e << 26) ^ (e >> 11 | e << 21) ^ (e >> 25 | e << 7)
                                let ch = (e & f) ^ (~e & g)
                                let t1 = hh &+ s1 &+ ch &+ k[t] &+ w[t]
                                let s0 = (a >> 2 | a << 30) ^ (a >> 13 | a << 19) ^ (a >> 22 | a << 10)
                                let maj = (a & b) ^ (a & c) ^ (b & c)
                                let t2 = s0 &+ maj
                                hh = g
                                g = f
                                f = e
                                e = d &+ t1
                                d = c
                                c = b
                                b = a
                                a = t1 &+ t2
                            }
                            h[0] &+= a
                            h[1] &+= b
                            h[2] &+= c
                            h[3] &+= d
                            h[4] &+= e
                            h[5] &+= f
                            h[6] &+= g
                            h[7] &+= hh
                        }
                    }
                }
            }
        }

        mutating func finish() -> [UInt8] {
            let bits = length &* 8
            var tail: [UInt8] = [0x80]
            while (pending.count + tail.count) % 64 != 56 { tail.append(0) }
            for i in (0..<8).reversed() { tail.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(i)))) }
            let saved = length
            tail.withUnsafeBytes { update($0) }
            length = saved
            return h.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> (24 - 8 * $0)) } }
        }
    }

    /// The digest of `bytes`.
    public static func digest(_ bytes: [UInt8]) -> [UInt8] {
        var s = State()
        bytes.withUnsafeBytes { s.update($0) }
        return s.finish()
    }

    /// The digest of a file's contents, as lower-case hex.
    public static func hexDigest(ofFile path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw StageError("cannot read '\(path)'") }
        defer { try? handle.close() }
        var s = State()
        while true {
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            chunk.withUnsafeBytes { s.update($0) }
        }
        return hex(s.finish())
    }

    /// Bytes as lower-case hex.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(2 * bytes.count)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension ModelStamp {
    /// A stamp for the weights file at `path`: `name` and the first 16 hex digits of its SHA-256, remembered in
    /// `memo` (by default the user's cache) so that gigabytes of weights are not hashed again on every run.
    public init(name: String, weightsAt path: String, memo: FileDigestMemo = .standard) throws {
        self.init(name: name, digestPrefix: String(try memo.hexDigest(ofFile: path).prefix(16)))
    }
}
