import Foundation
import NN

/// The file conventions every `unclip-train` run folder shares.
enum RunFolder {
    /// Checks `folder` before a run: resuming needs `checkpoint`; a new run must not overwrite one (and creates the
    /// folder).
    static func prepare(_ folder: String, checkpoint: String, resume: Bool) throws {
        let fm = FileManager.default
        if resume {
            guard fm.fileExists(atPath: checkpoint) else {
                throw TrainingError.badCheckpoint(path: checkpoint, reason: "nothing to resume (no checkpoint)")
            }
        } else {
            if fm.fileExists(atPath: checkpoint) {
                throw TrainingError.badOption(
                    "\(folder) already holds a checkpoint: pass --resume, or choose another --out")
            }
            try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
    }

    /// Writes `file` beside `path` and renames it into place, so that no reader ever sees half a file.
    static func write(_ file: WeightFile, to path: String) throws {
        try file.write(to: path + ".partial")
        try replace(path, with: path + ".partial")
    }

    /// Renames `temporary` over `path` (atomic within one file system).
    static func replace(_ path: String, with temporary: String) throws {
        if rename(temporary, path) != 0 {
            throw TrainingError.badCheckpoint(path: path, reason: "cannot rename \(temporary): errno \(errno)")
        }
    }
}
