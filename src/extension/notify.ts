import * as vscode from 'vscode';

/**
 * Every notification the extension shows goes through here. Their texts are made with `say()`,
 * which makes file names and error texts plain; the last few are kept so tests can read what a
 * user was shown (a browser-hosted VS Code in test mode shows no toasts to look at).
 */

const KEEP = 50;
const recent: string[] = [];

function keep(text: string): void {
  recent.push(text);
  if (recent.length > KEEP) recent.shift();
}

export function showInfo(text: string): void {
  keep(text);
  void vscode.window.showInformationMessage(text);
}

export function showError(text: string): void {
  keep(text);
  void vscode.window.showErrorMessage(text);
}

/** An error with buttons; resolves with the one clicked (or undefined). */
export function showErrorWithActions(text: string, ...actions: string[]): Thenable<string | undefined> {
  keep(text);
  return vscode.window.showErrorMessage(text, ...actions);
}

/** A progress notification's title, kept like the others. */
export function progressTitle(text: string): string {
  keep(text);
  return text;
}

export function recentNotifications(): readonly string[] {
  return recent;
}
