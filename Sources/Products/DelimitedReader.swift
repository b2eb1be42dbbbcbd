import Foundation

/// Reads a tab- or comma-separated file one record at a time, through a fixed-size buffer, so
/// memory stays bounded however large the file is.
///
/// Tab-separated files are read the way Open Food Facts writes its export: no quoting at all,
/// one record per line. Its product names hold quotes freely (`"Bio" Vollmilch`, `12" pizza`,
/// an opening quote never closed), and treating them as CSV quoting would swallow lines.
/// Comma-separated files follow RFC 4180: a field may be quoted, `""` is a quote inside it, and
/// a quoted field may span lines.
struct DelimitedReader {
    enum Format: Equatable {
        case tabs, commas
    }

    let path: String
    let format: Format
    /// Bytes read so far and the file's size, for progress.
    private(set) var bytesRead = 0
    let totalBytes: Int
    /// The line on which the last record returned started (1-based).
    private(set) var line = 0
    private var nextLine = 1
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    static let chunkSize = 1 << 16
    static let maxRecordBytes = 1 << 20

    init(path: String, format: Format) throws {
        self.path = path
        self.format = format
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ProductDatabaseError.unreadable(path: path, reason: "no such file, or not permitted")
        }
        self.handle = handle
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        totalBytes = (attributes?[.size] as? NSNumber)?.intValue ?? 0
    }

    /// Reads an open regular file from its start, whatever its offset; `name` stands for it in
    /// errors. The descriptor is duplicated, so the caller still owns (and closes) `fd`.
    init(descriptor fd: Int32, name: String, format: Format) throws {
        path = name
        self.format = format
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw ProductDatabaseError.unreadable(path: name, reason: String(cString: strerror(errno)))
        }
        guard st.st_mode & S_IFMT == S_IFREG else {
            throw ProductDatabaseError.unreadable(path: name, reason: "not a regular file")
        }
        let copy = dup(fd)
        guard copy >= 0 else { throw ProductDatabaseError.unreadable(path: name, reason: String(cString: strerror(errno))) }
        handle = FileHandle(fileDescriptor: copy, closeOnDealloc: true)
        do { try handle.seek(toOffset: 0) } catch {
            throw ProductDatabaseError.unreadable(path: name, reason: "\(error)")
        }
        totalBytes = Int(st.st_size)
    }

    /// `sniff(path:)` for an open file: looks at its first bytes without moving its offset.
    static func sniff(descriptor fd: Int32, name: String) throws -> Format {
        var head = [UInt8](repeating: 0, count: chunkSize)
        let n = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n >= 0 else { throw ProductDatabaseError.unreadable(path: name, reason: String(cString: strerror(errno))) }
        let firstLine = head[0..<n].prefix { $0 != 0x0A }
        return firstLine.contains(0x09) ? .tabs : .commas
    }

    /// Looks at the first line to tell a tab-separated file from a comma-separated one.
    static func sniff(path: String) throws -> Format {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ProductDatabaseError.unreadable(path: path, reason: "no such file, or not permitted")
        }
        defer { try? handle.close() }
        let head: Data
        do { head = try handle.read(upToCount: chunkSize) ?? Data() } catch {
            throw ProductDatabaseError.unreadable(path: path, reason: "\(error)")
        }
        let firstLine = head.prefix { $0 != 0x0A }
        return firstLine.contains(0x09) ? .tabs : .commas
    }

    /// The next record's fields, or nil at the end of the file. Empty lines are skipped.
    mutating func next() throws -> [String]? {
        while true {
            guard var fields = try nextRaw() else { return nil }
            if fields.count == 1 && fields[0].isEmpty { continue }
            if let last = fields.last, last.hasSuffix("\r") { fields[fields.count - 1] = String(last.dropLast()) }
            return fields
        }
    }

    private mutating func byte() throws -> UInt8? {
        if position == buffer.count {
            if atEnd { return nil }
            let chunk: Data?
            do { chunk = try handle.read(upToCount: DelimitedReader.chunkSize) } catch {
                throw ProductDatabaseError.unreadable(path: path, reason: "\(error)")
            }
            guard let chunk, !chunk.isEmpty else {
                atEnd = true
                return nil
            }
            buffer = [UInt8](chunk)
            position = 0
            bytesRead += chunk.count
        }
        defer { position += 1 }
        return buffer[position]
    }

    private mutating func nextRaw() throws -> [String]? {
        line = nextLine
        var fields: [String] = []
        var field: [UInt8] = []
        var recordBytes = 0
        var quoted = false, inQuotes = false, sawAny = false
        func finish(_ field: inout [UInt8], into fields: inout [String], line: Int, path: String) throws {
            guard let text = String(validating: field, as: UTF8.self) else {
                throw ProductDatabaseError.invalidUTF8(path: path, line: line)
            }
            fields.append(text)
            field.removeAll(keepingCapacity: true)
        }
        while let b = try byte() {
            sawAny = true
            recordBytes += 1
            if recordBytes > DelimitedReader.maxRecordBytes {
                throw ProductDatabaseError.lineTooLong(path: path, line: line, limit: DelimitedReader.maxRecordBytes)
            }
            if b == 0x0A { nextLine += 1 }
            switch format {
            case .tabs:
                if b == 0x0A {
                    try finish(&field, into: &fields, line: line, path: path)
                    return fields
                } else if b == 0x09 {
                    try finish(&field, into: &fields, line: line, path: path)
                } else {
                    field.append(b)
                }
            case .commas:
                if inQuotes {
                    if b == 0x22 {
                        // A doubled quote is a quote; a single one closes the field.
                        if let peek = try byte() {
                            if peek == 0x22 {
                                field.append(0x22)
                                recordBytes += 1
                                continue
                            }
                            position -= 1
                        }
                        inQuotes = false
                    } else {
                        field.append(b)
                    }
                } else if b == 0x22 && field.isEmpty && !quoted {
                    inQuotes = true
                    quoted = true
                } else if b == 0x2C {
                    try finish(&field, into: &fields, line: line, path: path)
                    quoted = false
                } else if b == 0x0A {
                    try finish(&field, into: &fields, line: line, path: path)
                    return fields
                } else {
                    field.append(b)
                }
            }
        }
        if inQuotes { throw ProductDatabaseError.unterminatedQuote(path: path, line: line) }
        guard sawAny else { return nil }
        try finish(&field, into: &fields, line: line, path: path)
        return fields
    }
}
