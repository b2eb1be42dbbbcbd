import Foundation
import XCTest
@testable import Vision

/// Crafted checkpoints from issue 11's findings and from fuzzing: each must be refused with a
/// reason naming the problem (or, if valid, loaded) without a trap, a wrap or a huge allocation.
final class HostileCheckpointTests: XCTestCase {
    typealias View = CraftedCheckpoint.View

    func floats(_ values: [Float]) -> [UInt8] { values.flatMap { CraftedCheckpoint.le($0.bitPattern) } }

    func load(_ bytes: [UInt8], name: String = "pytorch_model.bin") throws -> Checkpoint {
        try Checkpoint.load(file: try CraftedCheckpoint.write(bytes, name: name))
    }

    /// Asserts that loading `bytes` fails with `invalidFile` whose reason contains `why`.
    func assertRefused(_ bytes: [UInt8], name: String = "pytorch_model.bin", _ why: String,
                       file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try load(bytes, name: name), file: file, line: line) { error in
            guard case .invalidFile(_, let reason) = error as? CheckpointError else {
                return XCTFail("\(error)", file: file, line: line)
            }
            XCTAssertTrue(reason.contains(why), reason, file: file, line: line)
        }
    }

    /// The builder itself makes files the loader reads back exactly, so the refusals below are
    /// about the crafted numbers and nothing else.
    func testCraftedTorchFileLoadsHonestViews() throws {
        let values: [Float] = [1, 2, 3, 4, 5, 6]
        let ckpt = try load(CraftedCheckpoint.torch([
            View(key: "w", storage: "0", numel: 6, size: [2, 3], stride: [3, 1]),
            View(key: "t", storage: "0", numel: 6, size: [3, 2], stride: [1, 3]),
            View(key: "tail", storage: "0", numel: 6, offset: 4, size: [2], stride: [1]),
            View(key: "ids", storage: "0", numel: 6, size: [1, 6], stride: [0, 1]),
        ], storages: ["0": floats(values)]))
        XCTAssertEqual(Array(try ckpt.tensor("w", shape: [2, 3]).data), values)
        XCTAssertEqual(Array(try ckpt.tensor("t", shape: [3, 2]).data), [1, 4, 2, 5, 3, 6])
        XCTAssertEqual(Array(try ckpt.tensor("tail", shape: [2]).data), [5, 6])
        // A stride-0 dimension of size 1 (an expanded position_ids buffer) is an honest view.
        XCTAssertEqual(Array(try ckpt.tensor("ids", shape: [1, 6]).data), values)
    }

    /// Finding 3, worst case: size (x, 1025) with x * 1025 = 1 (mod 2^64) and stride (0, 1) made
    /// `count` wrap to 1, and the gather loop wrote 1025 floats into a 1-float buffer.
    func testStrideZeroSizeWhoseProductWrapsIsRefused() {
        let x = 1_151_796_703_138_937_857  // the inverse of 1025 modulo 2^64
        XCTAssertEqual(x &* 1025, 1)
        assertRefused(CraftedCheckpoint.torch([View(key: "w", storage: "0", numel: 1025, size: [x, 1025], stride: [0, 1])],
                                              storages: ["0": floats(.init(repeating: 1, count: 1025))]),
                      "more elements than an Int can count")
        assertRefused(CraftedCheckpoint.torch([View(key: "w", storage: "0", numel: 1, size: [1 << 32, 1 << 32], stride: [0, 0])],
                                              storages: ["0": floats([1])]),
                      "more elements than an Int can count")
    }

    /// Finding 3: zero strides passed the bounds check, so a few hundred bytes asked for 1 GB
    /// (2^28 floats) or 4 TiB (2^40) at load.
    func testBroadcastViewsCannotAskForGigabytes() {
        for n in [1 << 28, 1 << 40] {
            let bytes = CraftedCheckpoint.torch([View(key: "w", storage: "0", numel: 1, size: [n], stride: [0])],
                                                storages: ["0": floats([1])])
            XCTAssertLessThan(bytes.count, 600)
            assertRefused(bytes, "has \(n) elements but its storage holds 1; repeated (broadcast or overlapping) views are not supported")
        }
    }

    /// Fuzz finding: an empty tensor was exempt from the bounds check, and a storage offset of
    /// 2^62 overflowed the base address computation (offset times 4 bytes).
    func testEmptyTensorWithHugeStorageOffsetIsRefused() {
        assertRefused(CraftedCheckpoint.torch([View(key: "w", storage: "0", numel: 4, offset: 1 << 62, size: [0], stride: [1])],
                                              storages: ["0": floats([1, 2, 3, 4])]),
                      "tensor w starts at element 4611686018427387904 of its 4-element storage")
    }

    /// Finding 3: ZIP64 central directory fields near 2^63 overflowed `offset + size <= file size`
    /// (a trap with checks, an out-of-bounds read without), and above Int.max trapped converting.
    func testZip64FieldsNearTheTopOfTheRangeAreRefused() {
        let records = [("archive/data.pkl", CraftedCheckpoint.pickle([]))]
        for (offset, size) in [(UInt64(Int.max) - 8, UInt64(16)), (UInt64(16), UInt64(Int.max)), (UInt64.max, UInt64(1))] {
            assertRefused(CraftedCheckpoint.zip(records, zip64: (1, size, offset)), "zip central directory")
        }
        assertRefused(CraftedCheckpoint.zip(records, zip64: (UInt64.max, 46, 0)), "zip central directory claims")
        assertRefused(CraftedCheckpoint.zip(records, zip64: (1 << 62, 46, 0)), "zip central directory claims")
    }

    /// Fuzz finding: a safetensors shape with a leading zero, [0, 2^40, 2^40], is a valid empty
    /// tensor, but its row-major strides overflowed.
    func testSafetensorsEmptyTensorWithHugeTrailingDimensionsLoads() throws {
        let ckpt = try load(CraftedCheckpoint.safetensors(header:
            #"{"e":{"dtype":"F32","shape":[0,1099511627776,1099511627776],"data_offsets":[0,0]}}"#),
            name: "model.safetensors")
        XCTAssertEqual(ckpt.shape(of: "e"), [0, 1 << 40, 1 << 40])
        XCTAssertEqual(try ckpt.tensor("e", shape: [0, 1 << 40, 1 << 40]).count, 0)
    }

    /// Finding 3: every tensor used to be converted at load, before any shape check. Now `load`
    /// reads the table only; a tensor is converted when first asked for with its exact shape.
    func testTensorsAreConvertedOnlyWhenAskedFor() throws {
        let ckpt = try Checkpoint.load(file: CheckpointTests.root.appendingPathComponent("bin-f16.bin"))
        XCTAssertEqual(ckpt.convertedKeys, [])
        XCTAssertEqual(ckpt.shape(of: "layer.weight"), [4, 6])
        XCTAssertThrowsError(try ckpt.tensor("layer.weight", shape: [6, 4]))
        XCTAssertEqual(ckpt.convertedKeys, [])
        let first = try ckpt.tensor("layer.weight", shape: [4, 6])
        let again = try ckpt.tensor("layer.weight", shape: [4, 6])
        XCTAssertEqual(first.data.baseAddress, again.data.baseAddress)
        XCTAssertEqual(ckpt.convertedKeys, ["layer.weight"])
    }

    /// Finding 3: the copies a table can ask for are bounded by the file's size. Four transposed
    /// views of one 1 MiB storage (4 MiB of copies) are accepted, six (6 MiB) are not.
    func testTotalCopiesAreBoundedByTheFileSize() throws {
        let storage = floats((0..<(1 << 18)).map { Float($0) })
        func views(_ n: Int) -> [View] {
            (0..<n).map { View(key: "t\($0)", storage: "0", numel: 1 << 18, size: [512, 512], stride: [1, 512]) }
        }
        let four = try load(CraftedCheckpoint.torch(views(4), storages: ["0": storage]))
        XCTAssertEqual(try four.tensor("t3", shape: [512, 512]).data[1], 512)
        assertRefused(CraftedCheckpoint.torch(views(6), storages: ["0": storage]),
                      "its tensors would need 6291456 bytes of fp32 copies")
    }
}
