/**
 * Where copies of a file live besides the peers: this browser's cache and the server.
 * Each place is a plugin that says whether it holds a file, reports details, and offers
 * the actions a card's menu shows. Hosts may register their own (e.g. a cloud drive).
 */
import type { ServerStatus } from './wire/protocol.js';

/** A plugin's report on one file. */
export interface StorageMirrorStatus {
  /** Whether this place holds the whole file. */
  stored: boolean;
  /** Short human description, e.g. "Saved on this device" or "On the server for 30 min". */
  label: string;
  /** Bytes of the file held there (a partial download in the cache counts). */
  bytes?: number;
  /** When the copy expires (ms since epoch), if it does. */
  expires_at?: number | null;
  /** True when the copy is kept until the user removes it. */
  permanent?: boolean;
}

/** What a card tells plugins about itself when asking for menu items. */
export interface StorageMenuContext {
  room_id?: string;
  name?: string;
  /** Lets a plugin ask the card to re-read statuses after an action. */
  requestUpdate?: () => void;
}

/** One action of a card's menu. */
export interface StorageMenuItem {
  /** Stable id, e.g. `server:store-permanently`. */
  id: string;
  label: string;
  /** Shown but not clickable (e.g. a quota would be exceeded). */
  disabled?: boolean;
  /** Removes data; cards may ask for confirmation. */
  destructive?: boolean;
  /** Performs the action; rejects with a ChatFilesClientError on failure. */
  run(): Promise<void>;
}

/** A place that may hold copies of files. */
export interface StorageMirrorPlugin {
  /** Unique id; `local` and `server` are built in. */
  readonly id: string;
  /** Human name, e.g. "This device". */
  readonly label: string;
  /** Whether this place holds the whole file. */
  isStored(fileId: string): Promise<boolean>;
  /** Details of this place's copy of the file. */
  queryStatus(fileId: string): Promise<StorageMirrorStatus>;
  /** The actions this place offers for the file, given its current status. */
  getContextMenuItems(fileId: string, card?: StorageMenuContext): Promise<StorageMenuItem[]>;
}

/** The storage plugins of one client. */
export class StorageMirrorRegistry {
  private readonly plugins = new Map<string, StorageMirrorPlugin>();

  /** Adds a plugin; one with the same id is replaced. */
  register(plugin: StorageMirrorPlugin): void {
    this.plugins.set(plugin.id, plugin);
  }

  /** Removes a plugin. */
  unregister(id: string): void {
    this.plugins.delete(id);
  }

  /** Every plugin, in registration order. */
  getPlugins(): StorageMirrorPlugin[] {
    return [...this.plugins.values()];
  }

  /** The plugin with this id. */
  getPlugin(id: string): StorageMirrorPlugin | undefined {
    return this.plugins.get(id);
  }

  /** The plugins that currently hold the whole file; a failing plugin counts as not holding it. */
  async getManagingPlugins(fileId: string): Promise<StorageMirrorPlugin[]> {
    const plugins = this.getPlugins();
    const stored = await Promise.all(plugins.map((p) => p.isStored(fileId).catch(() => false)));
    return plugins.filter((_, i) => stored[i]);
  }
}

/** What the built-in plugins need from the client. */
export interface MirrorHost {
  /** Cache record summary of a file, or null. */
  localCopy(
    fileId: string,
  ): Promise<{ complete: boolean; bytes: number; inMemory: boolean } | null>;
  /** Whether a transfer of the file is running. */
  isTransferring(fileId: string): boolean;
  removeLocalCopy(fileId: string): Promise<void>;
  serverStatus(fileId: string): Promise<ServerStatus>;
  storePermanently(fileId: string): Promise<unknown>;
  removeFromServer(fileId: string): Promise<void>;
  uploadToServer(fileId: string): Promise<unknown>;
}

/** This browser's IndexedDB cache (always registered). */
export class LocalStoragePlugin implements StorageMirrorPlugin {
  readonly id = 'local';
  readonly label = 'This device';
  private readonly host: MirrorHost;

  constructor(host: MirrorHost) {
    this.host = host;
  }

  async isStored(fileId: string): Promise<boolean> {
    const copy = await this.host.localCopy(fileId);
    return Boolean(copy?.complete);
  }

  async queryStatus(fileId: string): Promise<StorageMirrorStatus> {
    const copy = await this.host.localCopy(fileId);
    if (!copy) return { stored: false, label: 'Not on this device' };
    if (copy.complete) return { stored: true, label: 'Saved on this device', bytes: copy.bytes };
    return { stored: false, label: 'Partly downloaded', bytes: copy.bytes };
  }

  async getContextMenuItems(fileId: string, card?: StorageMenuContext): Promise<StorageMenuItem[]> {
    const copy = await this.host.localCopy(fileId);
    if (!copy || (copy.bytes === 0 && !copy.inMemory)) return [];
    return [
      {
        id: 'local:remove',
        label: 'Remove from this device',
        destructive: true,
        disabled: this.host.isTransferring(fileId),
        run: async () => {
          await this.host.removeLocalCopy(fileId);
          card?.requestUpdate?.();
        },
      },
    ];
  }
}

/** The server's copy (registered when server seeding is enabled). */
export class ServerStoragePlugin implements StorageMirrorPlugin {
  readonly id = 'server';
  readonly label = 'Server';
  private readonly host: MirrorHost;

  constructor(host: MirrorHost) {
    this.host = host;
  }

  async isStored(fileId: string): Promise<boolean> {
    return (await this.host.serverStatus(fileId)).server_available;
  }

  async queryStatus(fileId: string): Promise<StorageMirrorStatus> {
    const status = await this.host.serverStatus(fileId);
    if (!status.server_available) return { stored: false, label: 'Not on the server' };
    if (status.user_has_claim) {
      return { stored: true, label: 'Kept on the server', permanent: true, expires_at: null };
    }
    return {
      stored: true,
      label: status.expires_at ? 'On the server for a limited time' : 'On the server',
      permanent: false,
      expires_at: status.expires_at,
    };
  }

  async getContextMenuItems(fileId: string, card?: StorageMenuContext): Promise<StorageMenuItem[]> {
    const [status, copy] = await Promise.all([
      this.host.serverStatus(fileId),
      this.host.localCopy(fileId),
    ]);
    const after = async (action: Promise<unknown>) => {
      await action;
      card?.requestUpdate?.();
    };
    if (status.user_has_claim) {
      return [
        {
          id: 'server:remove',
          label: 'Remove from server',
          destructive: true,
          run: () => after(this.host.removeFromServer(fileId)),
        },
      ];
    }
    if (status.server_available) {
      return [
        {
          id: 'server:store-permanently',
          label: 'Keep on server',
          run: () => after(this.host.storePermanently(fileId)),
        },
      ];
    }
    if (copy?.complete || copy?.inMemory) {
      return [
        {
          id: 'server:upload',
          label: 'Upload to server',
          run: () => after(this.host.uploadToServer(fileId)),
        },
      ];
    }
    return [];
  }
}
