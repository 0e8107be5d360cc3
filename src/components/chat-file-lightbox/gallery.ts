/**
 * The images of a room, for the lightbox's next and previous: every card showing a
 * downloaded image registers here, and a gallery is those of the same room on the same
 * page (or shadow root), in document order.
 */

/** One image the lightbox can show. */
export interface GalleryImage {
  /** An object URL of the downloaded bytes (never a network address). */
  src: string;
  name: string;
}

/** A card that may show an image. */
export interface GallerySource {
  readonly roomId: string;
  /** The image, once downloaded; `null` before. */
  galleryImage(): GalleryImage | null;
}

const sources = new Set<GallerySource & HTMLElement>();

/** Adds a card to the page's galleries. */
export function registerGallerySource(source: GallerySource & HTMLElement): void {
  sources.add(source);
}

/** Removes a card from the page's galleries. */
export function unregisterGallerySource(source: GallerySource & HTMLElement): void {
  sources.delete(source);
}

/** The images of `source`'s room, in document order, and where `source` is among them. */
export function galleryOf(source: GallerySource & HTMLElement): {
  items: GalleryImage[];
  index: number;
} {
  const root = source.getRootNode();
  const members = [...sources]
    .filter((s) => s.isConnected && s.roomId === source.roomId && s.getRootNode() === root)
    .filter((s) => s === source || s.galleryImage() !== null)
    .sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
  const items: GalleryImage[] = [];
  let index = 0;
  for (const member of members) {
    const image = member.galleryImage();
    if (!image) continue;
    if (member === source) index = items.length;
    items.push(image);
  }
  return { items, index };
}
