import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { Lang } from '../core/explain/glossary';
import { plainUiText } from '../core/escape';

/**
 * Runtime messages of the extension host. They are written in English and translated by the
 * `vscode.l10n` bundles in l10n/ (bundle.l10n.zh-cn.json), which VS Code loads for its display
 * language. The `tcpExplainer.language` setting can override that language; then the bundle is
 * read here, because vscode.l10n only follows the display language.
 */

export function userLanguage(): Lang {
  const setting = vscode.workspace.getConfiguration('tcpExplainer').get<string>('language', 'auto');
  if (setting === 'en' || setting === 'zh-cn') return setting;
  return vscode.env.language.toLowerCase().startsWith('zh') ? 'zh-cn' : 'en';
}

let extensionRoot: vscode.Uri | null = null;
const bundles = new Map<Lang, Record<string, string>>();

export function initL10n(root: vscode.Uri): void {
  extensionRoot = root;
}

function bundle(lang: Lang): Record<string, string> {
  let b = bundles.get(lang);
  if (!b) {
    b = {};
    if (lang !== 'en' && extensionRoot) {
      try {
        b = JSON.parse(fs.readFileSync(vscode.Uri.joinPath(extensionRoot, 'l10n', `bundle.l10n.${lang}.json`).fsPath, 'utf8')) as Record<string, string>;
      } catch {
        // A missing bundle leaves the English message, as vscode.l10n does.
      }
    }
    bundles.set(lang, b);
  }
  return b;
}

function format(message: string, args: Array<string | number>): string {
  return message.replace(/\{(\d+)\}/g, (m, i: string) => (args[Number(i)] !== undefined ? String(args[Number(i)]) : m));
}

/**
 * A message in the user's language: `say('No TCP stream {0} in {1}.', 7, 'x.pcap')`. The
 * arguments (file names, error texts: data from outside) are made plain first, so none can
 * become a command link or an icon where VS Code shows the message.
 */
export function say(message: string, ...rawArgs: Array<string | number>): string {
  const args = rawArgs.map((a) => (typeof a === 'string' ? plainUiText(a) : a));
  const setting = vscode.workspace.getConfiguration('tcpExplainer').get<string>('language', 'auto');
  if (setting === 'auto') return vscode.l10n.t(message, ...args);
  const lang: Lang = setting === 'zh-cn' ? 'zh-cn' : 'en';
  return format(bundle(lang)[message] ?? message, args);
}
