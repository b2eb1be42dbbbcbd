import Foundation

/// The part of the hub's `GET /api/models/{repo_id}/revision/{revision}?blobs=true` answer that an
/// install needs. Field names are the hub's JSON keys, as `huggingface_hub`'s `ModelInfo` and
/// `RepoSibling` read them (`sha`, `siblings[].rfilename`, `size`, `blobId`,
/// `lfs.{sha256,size,pointerSize}`).
public struct HubModelInfo: Decodable, Sendable {
    /// The repository id as the hub spells it.
    public var id: String
    /// The commit the revision resolved to (40 hex digits).
    public var sha: String
    public var siblings: [HubFile]
}

/// One file of a repository at a commit.
public struct HubFile: Decodable, Sendable, Equatable {
    /// Path inside the repository (`rfilename` in the hub's JSON).
    public var name: String
    /// Size of the file's content; for LFS files the hub also gives it as `lfs.size`.
    public var size: Int64?
    /// Git blob id (SHA-1) of what Git stores: the content for ordinary files, the LFS pointer
    /// text for LFS files.
    public var blobId: String?
    public var lfs: LFS?

    public struct LFS: Decodable, Sendable, Equatable {
        /// SHA-256 of the content (the LFS object id).
        public var sha256: String
        public var size: Int64
    }

    enum CodingKeys: String, CodingKey {
        case name = "rfilename"
        case size, blobId, lfs
    }

    public init(name: String, size: Int64?, blobId: String?, lfs: LFS?) {
        self.name = name
        self.size = size
        self.blobId = blobId
        self.lfs = lfs
    }

    /// The content's size: the LFS size when the file is in LFS, else the sibling's size.
    public var contentSize: Int64? { lfs?.size ?? size }
}
