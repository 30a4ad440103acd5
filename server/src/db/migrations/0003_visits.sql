CREATE TABLE "approval_chains" (
	"id" uuid PRIMARY KEY NOT NULL,
	"unit_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"nodes" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"cc_staff_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "link_token_uses" (
	"jti" text PRIMARY KEY NOT NULL,
	"used_at" timestamp with time zone NOT NULL,
	"order_id" uuid
);
--> statement-breakpoint
CREATE TABLE "notification_templates" (
	"event" text PRIMARY KEY NOT NULL,
	"channel" text DEFAULT 'sms' NOT NULL,
	"content" text NOT NULL,
	"append_code_link" boolean DEFAULT false NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "order_cc" (
	"order_id" uuid NOT NULL,
	"staff_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "order_chain_steps" (
	"order_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"node_type" text NOT NULL,
	"staff_id" uuid,
	"role" text,
	"status" text DEFAULT 'waiting' NOT NULL,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"comment" text
);
--> statement-breakpoint
CREATE TABLE "order_transitions" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"order_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor_type" text NOT NULL,
	"actor_id" text,
	"actor_role" text NOT NULL,
	"action" text NOT NULL,
	"from_status" text,
	"to_status" text NOT NULL,
	"reason" text,
	"comment" text
);
--> statement-breakpoint
CREATE TABLE "visit_orders" (
	"id" uuid PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"parent_id" uuid,
	"origin" text,
	"status" text NOT NULL,
	"cancel_reason" text,
	"visitor_id" uuid,
	"visitor_phone" text NOT NULL,
	"invitee_name" text,
	"invitee_id_type" text,
	"invitee_id_number_enc" text,
	"invitee_company" text,
	"invitee_position" text,
	"host_id" uuid NOT NULL,
	"unit_id" uuid NOT NULL,
	"reason" text NOT NULL,
	"remark" text,
	"start_at" timestamp with time zone NOT NULL,
	"end_at" timestamp with time zone NOT NULL,
	"plate" text,
	"review_required" boolean DEFAULT true NOT NULL,
	"companion_limit" integer,
	"created_by_visitor_id" uuid,
	"created_by_staff_id" uuid,
	"chain_step" integer DEFAULT 0 NOT NULL,
	"submitted_at" timestamp with time zone,
	"decided_at" timestamp with time zone,
	"arrived_at" timestamp with time zone,
	"left_at" timestamp with time zone,
	"idempotency_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "visit_orders_window" CHECK ("visit_orders"."end_at" > "visit_orders"."start_at"),
	CONSTRAINT "visit_orders_sub_origin" CHECK (("visit_orders"."parent_id" is null) = ("visit_orders"."origin" is null)),
	CONSTRAINT "visit_orders_cancel_reason" CHECK (("visit_orders"."status" = 'cancelled') = ("visit_orders"."cancel_reason" is not null))
);
--> statement-breakpoint
ALTER TABLE "approval_chains" ADD CONSTRAINT "approval_chains_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "order_cc" ADD CONSTRAINT "order_cc_order_id_visit_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."visit_orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "order_chain_steps" ADD CONSTRAINT "order_chain_steps_order_id_visit_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."visit_orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "order_transitions" ADD CONSTRAINT "order_transitions_order_id_visit_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."visit_orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "visit_orders" ADD CONSTRAINT "visit_orders_visitor_id_visitors_id_fk" FOREIGN KEY ("visitor_id") REFERENCES "public"."visitors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "visit_orders" ADD CONSTRAINT "visit_orders_host_id_staff_id_fk" FOREIGN KEY ("host_id") REFERENCES "public"."staff"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "visit_orders" ADD CONSTRAINT "visit_orders_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "approval_chains_unit_kind" ON "approval_chains" USING btree ("unit_id","kind");--> statement-breakpoint
CREATE UNIQUE INDEX "order_cc_pk" ON "order_cc" USING btree ("order_id","staff_id");--> statement-breakpoint
CREATE INDEX "order_cc_staff" ON "order_cc" USING btree ("staff_id");--> statement-breakpoint
CREATE UNIQUE INDEX "order_chain_steps_pk" ON "order_chain_steps" USING btree ("order_id","position");--> statement-breakpoint
CREATE INDEX "order_chain_steps_staff" ON "order_chain_steps" USING btree ("staff_id");--> statement-breakpoint
CREATE INDEX "order_transitions_order" ON "order_transitions" USING btree ("order_id","seq");--> statement-breakpoint
CREATE INDEX "visit_orders_visitor" ON "visit_orders" USING btree ("visitor_id","start_at");--> statement-breakpoint
CREATE INDEX "visit_orders_host" ON "visit_orders" USING btree ("host_id","start_at");--> statement-breakpoint
CREATE INDEX "visit_orders_parent" ON "visit_orders" USING btree ("parent_id");--> statement-breakpoint
CREATE INDEX "visit_orders_phone_initiated" ON "visit_orders" USING btree ("visitor_phone") WHERE "visit_orders"."status" = 'initiated';--> statement-breakpoint
CREATE INDEX "visit_orders_pending_end" ON "visit_orders" USING btree ("end_at") WHERE "visit_orders"."status" in ('initiated','pending');--> statement-breakpoint
CREATE UNIQUE INDEX "visit_orders_idempotency" ON "visit_orders" USING btree ("idempotency_key") WHERE "visit_orders"."idempotency_key" is not null;