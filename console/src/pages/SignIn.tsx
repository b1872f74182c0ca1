import { useState, type FormEvent } from "react";
import { useSignIn } from "../session";

export function SignIn() {
  const [key, setKey] = useState("");
  const signIn = useSignIn();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate(key.trim());
  };
  return (
    <main className="mx-auto mt-16 max-w-sm p-4">
      <h1 className="mb-6 text-2xl font-semibold">Herald</h1>
      <form onSubmit={submit} className="space-y-4">
        <div>
          <label htmlFor="api-key" className="mb-1 block text-sm font-medium">
            API key
          </label>
          <input
            id="api-key"
            type="password"
            autoComplete="current-password"
            required
            value={key}
            onChange={(e) => setKey(e.target.value)}
            className="w-full rounded border border-slate-400 bg-white px-3 py-2 dark:border-slate-600 dark:bg-slate-900"
          />
          <p className="mt-1 text-xs text-slate-600 dark:text-slate-400">
            Exchanged for a session cookie; the key is not stored in the browser.
          </p>
        </div>
        {signIn.isError && (
          <p role="alert" className="text-sm text-red-700 dark:text-red-400">
            {signIn.error.message}
          </p>
        )}
        <button
          type="submit"
          disabled={signIn.isPending || !key.trim()}
          className="w-full rounded bg-blue-700 px-3 py-2 font-medium text-white disabled:opacity-50"
        >
          {signIn.isPending ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
