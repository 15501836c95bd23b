import type { Metadata } from "next";
import { AuthPage } from "@/app/_components/account/auth-page";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Create an account" };

export default function SignUpPage(props: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  return <AuthPage mode="signup" searchParams={props.searchParams} />;
}
