"use client";
/**
 * Keeps a failing part of a page to itself: a render error below it shows a small inline message
 * with a retry button instead of taking the whole page down ("This page couldn't load").
 */
import { Component, type ReactNode } from "react";

interface Props {
  /** What failed, for the message, e.g. "Presence". */
  label: string;
  children?: ReactNode;
  className?: string;
}

export class ErrorBoundary extends Component<Props, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidCatch(error: Error) {
    console.error(`${this.props.label} failed:`, error);
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <span
        role="alert"
        data-testid="inline-error"
        className={`inline-flex items-center gap-2 text-xs text-amber-300 ${this.props.className ?? ""}`}
      >
        {this.props.label} could not be shown.
        <button
          type="button"
          className="underline hover:text-amber-200"
          onClick={() => this.setState({ error: null })}
        >
          Retry
        </button>
      </span>
    );
  }
}
