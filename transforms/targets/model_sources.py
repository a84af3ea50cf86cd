"""Where the catalogue's numbers come from: the public page, validator or package behind each
row of transforms/targets/models.py (cited in its ModelSpec.sources, shown by `tuneprep
targets`). Kept apart so the catalogue itself stays readable. Tags as in docs/sources/: [doc],
[code], [sample], [package], [3rd]."""
from __future__ import annotations

_CUSTOMIZE = "https://docs.aws.amazon.com/bedrock/latest/userguide/model-customization-prepare.html"
_REQUIREMENTS = ("https://docs.aws.amazon.com/bedrock/latest/userguide/"
                 "model-training-validation-requirements.html")
_TEXT = "https://docs.aws.amazon.com/bedrock/latest/userguide/preparing-text-data.html"
_CPT = "https://docs.aws.amazon.com/bedrock/latest/userguide/dataset-prep-continued-pretraining.html"
_TITAN_HP = "https://docs.aws.amazon.com/bedrock/latest/userguide/cm-hp-titan-text.html"
_IMAGE = "https://docs.aws.amazon.com/bedrock/latest/userguide/preparing-image-generation-data.html"
_COHERE = "https://docs.cohere.com/docs/fine-tuning-cohere-models-on-amazon-bedrock"
_COHERE_HP = "https://docs.aws.amazon.com/bedrock/latest/userguide/cm-hp-cohere-command.html"
_HAIKU_COOKBOOK = "https://platform.claude.com/cookbook/finetuning-finetuning-on-bedrock"
_HAIKU_HP = "https://docs.aws.amazon.com/bedrock/latest/userguide/cm-hp-anth-claude-3.html"
_HAIKU_NOTE = ("[3rd, verify] record counts, 32,000 tokens and file sizes are constants of an "
               "unattributed sample validator (service-formats.md §2.2)")
_JUMPSTART = ("https://docs.aws.amazon.com/sagemaker/latest/dg/"
              "jumpstart-foundation-models-fine-tuning-instruction-based.html")
_JUMPSTART_SAMPLE = ("[sample] JumpStart Mistral-7B fine-tuning notebook (template.json, "
                     "service-formats.md §3.1)")
_JUMPSTART_DOMAIN = ("[sample] JumpStart Mistral-7B notebook and the Llama-2-7B JumpStart spec: "
                     "one CSV/JSON/TXT file per channel, column `text` (service-formats.md "
                     "§3.2-3.3)")
_JUMPSTART_CHAT = ("[3rd, verify] JumpStart chat fine-tuning {\"dialog\": [...]} with "
                   "chat_dataset=\"True\" (service-formats.md §3.4)")
_NOVA = "https://docs.aws.amazon.com/nova/latest/userguide/fine-tune-prepare-data-understanding.html"
_NOVA2 = "https://docs.aws.amazon.com/bedrock/latest/userguide/nova-2-sft-data-prep.html"
_NOVA_NOTE = ("[3rd] record counts (Nova 1.0: 8-20,000; Nova 2.0: 200-20,000) and media counts "
              "(10 images per message, 1 video per record) from the Nova FT dataset validator "
              "usage guide (service-formats.md §2.2)")
_IMAGE_TEXT = "https://docs.aws.amazon.com/bedrock/latest/userguide/preparing-image-text-data.html"
_LLAMA_SAMPLE = ("[sample] amazon-bedrock-samples custom-models/bedrock-fine-tuning/open-source/"
                 "dataset_validation/README.md (PR #498): 10k/1k rows, 16K input tokens (90B: "
                 "10K), images <= 10 MB, <= 8192 px, one system element")
# docs/sources/formats-2026.md, "Tokenizers that install with their vocabulary": llama-models'
# llama3/tokenizer.model is the tokenizer of Llama 3, 3.1, 3.2 and 3.3 (its llama3_1, llama3_2,
# llama3_3 code loads that one file); mistral-common's tokenizer.model.v1 is Mistral 7B's
# 32,000-piece SentencePiece vocabulary (JumpStart's Mistral 7B is Mistral-7B-v0.1 [verify])
_LLAMA3_TOKENIZER = ("[package] llama-models 0.3.0 llama_models/llama3/tokenizer.model "
                     "(formats-2026.md, Tokenizers that install with their vocabulary)")
_MISTRAL_TOKENIZER = ("[package] mistral-common data/tokenizer.model.v1 [verify: JumpStart's "
                      "Mistral 7B is v0.1] (formats-2026.md, Tokenizers that install with their "
                      "vocabulary)")
_DISTILL = ("https://docs.aws.amazon.com/bedrock/latest/userguide/"
            "distillation-data-prep-option-1.html")
# Bedrock's customization table ("Supported models and Regions for fine-tuning"), as read for
# docs/sources/formats-2026.md ("Current customization table"). The page carries no date of its
# own; the date is that of those notes. A model it no longer lists stays, marked legacy.
_SUPPORTED = "https://docs.aws.amazon.com/bedrock/latest/userguide/custom-model-supported.html"
TABLE_DATE = "late 2026"
LEGACY_NOTE = (f"no longer in Bedrock's customization table as of {TABLE_DATE}; "
               f"source {_SUPPORTED}")
_CANVAS = ("https://docs.aws.amazon.com/nova/latest/userguide/"
           "fine-tune-prepare-data-creative-content.html")
# AWS's distillation validator (aws-samples/amazon-bedrock-samples, custom-models/
# model_distillation/dataset-validation: constants.py MAX_SIZE, MIN_NUM_PROMPTS) refuses input
# files over 1 GB together and fewer than 100 prompts. Its 1 GB is 1024**3 bytes; 10**9 is kept,
# the stricter reading. The record maximum of the "Amazon Bedrock service quotas" table
# (https://docs.aws.amazon.com/general/latest/gr/bedrock.html) could not be read: none is set.
_DISTILL_VALIDATOR = ("[code] amazon-bedrock-samples custom-models/model_distillation/"
                      "dataset-validation (>= 100 prompts, <= 1 GB of input files)")
_DISTILL_NOTE = ("students: Anthropic and Meta Llama take single-turn prompts only, Nova "
                 "multi-turn (service-formats.md §1.6); the student list is Bedrock's "
                 "distillation model list [verify]")
# AWS's Haiku validator counts a record's length at 3 characters a token (len(text) / 3 against
# 32,000), stricter than the 6 of AWS's planning rule (service-formats.md §2.2, formats-2026.md)
_HAIKU_VALIDATOR = ("[code] aws-samples/amazon-bedrock-samples custom-models/bedrock-fine-tuning/"
                    "claude-haiku/DataValidation/data_validation.py (3 characters a token)")
# Which Nova models take tool blocks (formats-2026.md, "Tool use"): the Nova 2 user guide says
# tool calling is supported; for Nova 1 (Micro, Lite, Pro) the Forge SDK's converter refuses
# tools ("Tool/function calling is not supported in Nova 1.0. Please use Nova 2.0 ..."), the
# older Nova validator refuses the records and the Nova 1 page lists text, image and video only
_NOVA1_NO_TOOLS = ("[code] aws/nova-forge-sdk dataset_transformers.py "
                   "convert_openai_to_converse_sft_nova_one: 'Tool/function calling is not "
                   "supported in Nova 1.0'; [doc] fine-tune-prepare-data-understanding lists "
                   "text, image and video content only")
_NOVA2_TOOLS = ("[doc] https://docs.aws.amazon.com/nova/latest/nova2-userguide/"
                "nova-data-prep-sft-2.html: tool calling supported")
# Llama 3.1 8B / 70B Instruct: AWS's Llama validator and Bedrock's data page take them as
# prompt/completion only (the Converse schema is Llama 3.2's)
_LLAMA31_TEXT = ("[code] amazon-bedrock-samples custom-models/bedrock-fine-tuning/meta-llama/"
                 "dataset_validation: Llama 3.1 as prompt/completion only; [doc] "
                 "preparing-text-data")
# Titan Text's record maximum is the "Sum of training and validation records" quota of the
# Bedrock quotas page, which the reference notes could not read (service-formats.md §2.1)
_BEDROCK_QUOTAS = "https://docs.aws.amazon.com/general/latest/gr/bedrock.html"
_TITAN_RECORDS = (f"record maximum: unknown (the quota of {_BEDROCK_QUOTAS} could not be read: "
                  "service-formats.md §2.1); none is checked")
# Bedrock reinforcement fine-tuning (bedrock-rft): the open-weight page gives 100-20K examples
# with a minimum of 100 (docs/sources/service-formats.md §1.7); Nova 2 Lite's 100-20,000 is the
# Forge SDK's bedrock_sample_bounds_nova_lite_2_rft (docs/sources/formats-2026.md, "Record
# counts"), and its RFTDatasetValidator takes Nova 2 Lite only, with tools
_RFT_OPEN = "https://docs.aws.amazon.com/bedrock/latest/userguide/rft-prepare-data-open-weight.html"
_RFT_NOVA = ("[code] aws/nova-forge-sdk (amzn-nova-forge 1.4.10) dataset_checks_config "
             "DATASET_CHECKS bedrock_sample_bounds_nova_lite_2_rft (100-20,000), "
             "rft_dataset_validator.RFTDatasetValidator (Nova 2 Lite only; tools)")
_RFT_IDS = ("[verify] the open-weight models' Bedrock ids are their invocation ids; "
            "docs/sources/formats-2026.md names the models, not the ids")
# Nova DPO (nova-dpo): 8-20,000 records (the Forge SDK's bedrock_sample_bounds list DPO for Nova
# Micro / Lite / Pro; Nova 2 Lite's 8-20,000 is formats-2026.md's, the SDK having no row); text
# for Micro, images for Lite and Pro, no video (docs/preference-formats.md §3)
_NOVA_DPO = ("https://docs.aws.amazon.com/sagemaker/latest/dg/nova-dpo.html; [code] "
             "amzn-nova-forge 1.4.10 bedrock_sample_bounds (DPO 8-20,000); "
             "docs/sources/formats-2026.md, \"Record counts\", \"Preference data\"")
# Nova multi-turn RFT (nova-rft-multiturn): the Forge SDK's RFTMultiturnDatasetValidator takes
# Nova 2 Lite only and its DATASET_CHECKS have no record bounds for the RFT_MULTITURN methods;
# docs/sources/formats-2026.md gives none either (its 100-20,000 is Bedrock RFT's)
_RFT_MULTITURN = ("[code] aws/nova-forge-sdk (amzn-nova-forge 1.4.10) dataset_validator/"
                  "rft_multiturn_dataset_validator.py (Nova 2 Lite only); record bounds: none "
                  "published (dataset_checks_config has no RFT_MULTITURN row)")
# Nova PPO (nova-ppo): the SageMaker Nova PPO page names the turns / turns_to_mask /
# reward_category / meta_data record and the replicas of Nova Micro, Lite and Pro; it gives no
# record bounds, nor does docs/sources/formats-2026.md
_NOVA_PPO = ("https://docs.aws.amazon.com/sagemaker/latest/dg/nova-ppo.html (Nova Micro, Lite, "
             "Pro; record bounds: none published)")
