import * as vscode from 'vscode';

/**
 * Context keys the extension sets: menus and the walkthrough's steps (completionEvents
 * onContext:…) read them. VS Code cannot be asked for a key's value, so the values are kept
 * here too, for tests.
 */

const values = new Map<string, boolean | string | number>();

export function setContextKey(key: string, value: boolean | string | number): void {
  if (values.get(key) === value) return;
  values.set(key, value);
  void vscode.commands.executeCommand('setContext', key, value);
}

export function contextKeys(): Readonly<Record<string, boolean | string | number>> {
  return Object.fromEntries(values);
}
