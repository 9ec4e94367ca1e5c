// An item's files in the console (docs/decisions.md, attachments): chosen in the new
// item form and uploaded one by one with a progress bar (POST /v1/attachments, the raw
// file as the body: XMLHttpRequest, whose upload reports progress where fetch does
// not), then named in the item by their SHA-256; on an item's page, listed with a
// download and, for images and PDF, a preview. A download and a preview are reads of
// the item, logged as such: both are made only when the person asks, never on load.
import { useEffect, useState } from 'react';
import { ApiError } from '../api';
import { useI18n } from '../i18n';
import { useSession } from '../session';
import type { Attachment, Uploaded } from '../types';
import { ErrorMessage } from './ui';

/** A file chosen for a new item: how far its upload got, and its hash once stored. */
export interface PendingFile {
  readonly file: File;
  readonly sent: number;
  readonly uploaded: Uploaded | null;
  readonly error: unknown;
}

/** The error a failed upload answered, as the API client would have made it. */
function uploadError(xhr: XMLHttpRequest): ApiError {
  if (xhr.status === 0) return new ApiError(0, 'network', 'the upload did not reach the node');
  try {
    const body = JSON.parse(xhr.responseText) as { error?: { code?: string; message?: string } };
    if (typeof body.error?.code === 'string')
      return new ApiError(xhr.status, body.error.code, body.error.message ?? '');
  } catch {
    // not JSON
  }
  return new ApiError(xhr.status, `http-${xhr.status}`, xhr.statusText || `HTTP ${xhr.status}`);
}

/** Uploads one file as the raw body, reporting bytes sent; resolves to its hash and size. */
export function uploadFile(
  token: string,
  file: Blob,
  onProgress: (sent: number) => void,
): Promise<Uploaded> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/v1/attachments');
    xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      if (xhr.status !== 201) return reject(uploadError(xhr));
      try {
        resolve(JSON.parse(xhr.responseText) as Uploaded);
      } catch {
        reject(new ApiError(xhr.status, 'bad-answer', 'the node answered the upload oddly'));
      }
    };
    xhr.onerror = () => reject(uploadError(xhr));
    xhr.send(file);
  });
}

/** Uploads every file not yet stored, one at a time, updating `set` as bytes go. */
export async function uploadAll(
  token: string,
  files: readonly PendingFile[],
  set: (update: (files: readonly PendingFile[]) => readonly PendingFile[]) => void,
): Promise<Uploaded[]> {
  const out: Uploaded[] = [];
  for (const [i, f] of files.entries()) {
    if (f.uploaded !== null) {
      out.push(f.uploaded);
      continue;
    }
    const patch = (p: Partial<PendingFile>) =>
      set((all) => all.map((x, j) => (j === i ? { ...x, ...p } : x)));
    try {
      const u = await uploadFile(token, f.file, (sent) => patch({ sent }));
      patch({ sent: f.file.size, uploaded: u, error: undefined });
      out.push(u);
    } catch (e) {
      patch({ error: e });
      throw e;
    }
  }
  return out;
}

/** A chosen file, as the browser knows it: its name, size and time. */
const fileKey = (f: File) => `${f.name}\u0000${f.size}\u0000${f.lastModified}`;

/** Bytes as people read them: B, KiB, MiB, GiB. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

/** The file input of the new item form, and each chosen file with its upload's progress. */
export function FilePicker({
  files,
  onChange,
  disabled,
}: {
  readonly files: readonly PendingFile[];
  readonly onChange: (files: readonly PendingFile[]) => void;
  readonly disabled: boolean;
}) {
  const { t } = useI18n();
  return (
    <div className="field wide" data-testid="new-item-files">
      <label htmlFor="new-item-attach">{t('attach.files')}</label>
      <input
        id="new-item-attach"
        type="file"
        multiple
        disabled={disabled}
        data-testid="new-item-attach"
        onChange={(e) => {
          // A file chosen twice is listed once.
          const chosen = [...(e.target.files ?? [])]
            .filter((file) => !files.some((f) => fileKey(f.file) === fileKey(file)))
            .map((file): PendingFile => ({ file, sent: 0, uploaded: null, error: undefined }));
          onChange([...files, ...chosen]);
          e.target.value = '';
        }}
      />
      {files.length > 0 ? (
        <ul className="file-list">
          {files.map((f, i) => (
            <li
              key={fileKey(f.file)}
              className="file-row"
              data-testid="pending-file"
              data-name={f.file.name}
            >
              <span className="mono">{f.file.name}</span>{' '}
              <span className="muted">{formatBytes(f.file.size)}</span>{' '}
              <progress
                max={Math.max(1, f.file.size)}
                value={f.uploaded !== null ? Math.max(1, f.file.size) : f.sent}
                aria-label={t('attach.progress', { name: f.file.name })}
                data-testid="upload-progress"
                data-done={f.uploaded !== null ? 'yes' : 'no'}
              />
              {f.uploaded === null && !disabled ? (
                <button
                  type="button"
                  onClick={() => onChange(files.filter((_, j) => j !== i))}
                  aria-label={t('attach.remove', { name: f.file.name })}
                >
                  ×
                </button>
              ) : null}
              <ErrorMessage error={f.error} testId="upload-error" />
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

const previewable = (type: string) => type.startsWith('image/') || type === 'application/pdf';

/** The file's bytes, fetched with the session's token (a logged read of the item). */
async function fetchFile(token: string, item: string, a: Attachment): Promise<Blob> {
  let res: Response;
  try {
    res = await fetch(
      `/v1/items/${encodeURIComponent(item)}/attachments/${encodeURIComponent(a.sha256)}`,
      { headers: { authorization: `Bearer ${token}` }, cache: 'no-store', credentials: 'omit' },
    );
  } catch (e) {
    throw new ApiError(0, 'network', e instanceof Error ? e.message : String(e));
  }
  if (!res.ok) {
    const text = await res.text();
    let code = `http-${res.status}`;
    let message = res.statusText;
    try {
      const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
      code = body.error?.code ?? code;
      message = body.error?.message ?? message;
    } catch {
      // not JSON
    }
    throw new ApiError(res.status, code, message);
  }
  // Typed as the node stored it, so that the browser previews what it is.
  return new Blob([await res.blob()], { type: a.type });
}

/** An item's files: name, type, size and hash, each with a download and (images, PDF) a preview. */
export function ItemAttachments({
  item,
  attachments,
}: {
  readonly item: string;
  readonly attachments: readonly Attachment[];
}) {
  const { t } = useI18n();
  const { session } = useSession();
  const [preview, setPreview] = useState<{ sha256: string; type: string; url: string } | null>(
    null,
  );
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState<string | null>(null);
  // An object URL holds the bytes until revoked: let go of the last preview.
  useEffect(
    () => () => (preview === null ? undefined : URL.revokeObjectURL(preview.url)),
    [preview],
  );

  const download = async (a: Attachment) => {
    setBusy(a.sha256);
    setError(undefined);
    try {
      const url = URL.createObjectURL(await fetchFile(session.token, item, a));
      const link = document.createElement('a');
      link.href = url;
      link.download = a.name;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  const show = async (a: Attachment) => {
    setBusy(a.sha256);
    setError(undefined);
    try {
      const blob = await fetchFile(session.token, item, a);
      setPreview({ sha256: a.sha256, type: a.type, url: URL.createObjectURL(blob) });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };

  if (attachments.length === 0) return null;
  return (
    <div data-testid="item-attachments">
      <p className="muted">{t('attach.logged')}</p>
      <table className="data">
        <thead>
          <tr>
            <th scope="col">{t('attach.name')}</th>
            <th scope="col">{t('attach.type')}</th>
            <th scope="col">{t('attach.size')}</th>
            <th scope="col">SHA-256</th>
            <th scope="col">
              <span className="visually-hidden">{t('attach.actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {attachments.map((a) => (
            <tr key={a.sha256} data-testid="attachment" data-sha256={a.sha256}>
              <td className="mono">{a.name}</td>
              <td>{a.type}</td>
              <td>{formatBytes(a.size)}</td>
              <td className="mono" title={a.sha256}>
                {a.sha256.slice(0, 12)}…
              </td>
              <td>
                <button
                  type="button"
                  disabled={busy !== null}
                  onClick={() => void download(a)}
                  data-testid="attachment-download"
                >
                  {t('attach.download')}
                </button>{' '}
                {previewable(a.type) ? (
                  <button
                    type="button"
                    disabled={busy !== null}
                    onClick={() => void show(a)}
                    data-testid="attachment-preview"
                  >
                    {t('attach.preview')}
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ErrorMessage error={error} testId="attachment-error" />
      {preview === null ? null : (
        <figure className="attachment-preview" data-testid="attachment-preview-frame">
          {preview.type === 'application/pdf' ? (
            <iframe src={preview.url} title={t('attach.previewOf')} data-testid="preview-pdf" />
          ) : (
            <img src={preview.url} alt={t('attach.previewOf')} data-testid="preview-image" />
          )}
          <figcaption>
            <button type="button" onClick={() => setPreview(null)}>
              {t('common.hide')}
            </button>
          </figcaption>
        </figure>
      )}
    </div>
  );
}
