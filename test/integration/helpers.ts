import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TcpExplainerApi } from '../../src/extension/extension';
import type { OpenEditor } from '../../src/extension/captureEditor';
import type { ToWebview } from '../../src/shared/protocol';

/** What the integration tests share: the fixtures, the extension's API, waiting, settings. */

export const fixtures = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures');
export const uriOf = (name: string): vscode.Uri => vscode.Uri.file(path.join(fixtures, name));

export async function api(): Promise<TcpExplainerApi> {
  const ext = vscode.extensions.getExtension<TcpExplainerApi>('tcp-explainer.tcp-explainer');
  assert.ok(ext, 'extension tcp-explainer.tcp-explainer is not loaded');
  return ext.activate();
}

export async function until<T>(what: string, probe: () => T | undefined | null | false, ms = 30000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function posted<K extends ToWebview['type']>(list: ToWebview[], type: K): Array<Extract<ToWebview, { type: K }>> {
  return list.filter((m): m is Extract<ToWebview, { type: K }> => m.type === type);
}

/** The capture editor of `name`, opened and initialised. */
export async function openCapture(name: string): Promise<OpenEditor> {
  const ext = await api();
  const uri = uriOf(name);
  await vscode.commands.executeCommand('vscode.openWith', uri, 'tcpExplainer.capture');
  const editor = await until('the editor', () => ext.editorFor(uri));
  await until('init', () => posted(editor.posted, 'init')[0]);
  return editor;
}

/** Runs `body` with a tcpExplainer setting changed, and puts it back whatever happens. */
export async function withSetting(key: string, value: unknown, body: () => Promise<void>): Promise<void> {
  const config = vscode.workspace.getConfiguration('tcpExplainer');
  await config.update(key, value, vscode.ConfigurationTarget.Global);
  try {
    await body();
  } finally {
    await config.update(key, undefined, vscode.ConfigurationTarget.Global);
  }
}
