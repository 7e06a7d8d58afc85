/** Folder mapping: the pure part of folder handling (names, special use, selection, creation order). */
export { foldersToCreate } from './folders-to-create.js';
export { mapFolders } from './map-folders.js';
export { decodeMailboxUtf7, encodeMailboxUtf7 } from './mutf7.js';
export { canonicalPath, comparePaths, isInbox } from './paths.js';
export { compileFolderPatterns, isSelectable, selectSourceFolders } from './select.js';
export { AUTOMAP_ROLES, type AutomapRole, announcedSpecialUse } from './special-use.js';
export { DELIMITER_REPLACEMENT, translateFolderName } from './translate-name.js';
